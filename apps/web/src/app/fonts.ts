import localFont from "next/font/local";

// next/font/google needs the internet at build time; the variable Inter from npm does not.
export const inter = localFont({
  src: "../../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2",
  variable: "--font-inter",
  weight: "100 900",
  display: "swap",
});
