import type { Metadata } from "next";
import { LoginForm } from "../../views/login/login-form.tsx";

export const metadata: Metadata = { title: "Sign in" };

export default function LoginPage() {
  return (
    <main className="login-page">
      <LoginForm />
    </main>
  );
}
