/** A failed query, in words; the API's messages already name what is wrong. */
export function QueryError({ error }: { error: { message: string } | null }) {
  if (!error) return null;
  return (
    <div className="notice error" role="alert">
      {error.message}
    </div>
  );
}
