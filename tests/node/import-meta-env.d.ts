// What Vite and Astro give `import.meta.env` (their client types), for the script blocks
// of the component fixtures: neither tool is installed here (too large for the checks).
interface ImportMetaEnv {
  readonly [key: string]: string | undefined;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
