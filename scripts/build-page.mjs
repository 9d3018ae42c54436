// Builds the hosted pages' script (public/assets/app.js) from src/ui/client with @simplewebauthn/browser bundled in.
import { build } from "esbuild";

await build({
  entryPoints: ["src/ui/client/app.ts"],
  outfile: "public/assets/app.js",
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: false,
  logLevel: "warning",
});
console.log("built public/assets/app.js");
