// Vite's `?raw` suffix imports a file's text (tests read shipped files such as .dev.vars.example this way).
declare module "*?raw" {
  const text: string;
  export default text;
}
