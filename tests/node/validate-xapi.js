#!/usr/bin/env node
// Validate xAPI statements with @learninglocker/xapi-validation.
// Reads a JSON array of statements on stdin; prints a JSON array holding,
// for each statement, its list of warnings (empty when the statement is valid).
'use strict';

const validate = require('@learninglocker/xapi-validation').default;

function describe(warning) {
  if (warning === null || typeof warning !== 'object') return String(warning);
  const path = Array.isArray(warning.path) ? warning.path.join('.') : String(warning.path || '');
  const kind = warning.typeName ? `${warning.name} (${warning.typeName})` : warning.name;
  const parts = [path, kind || warning.message, JSON.stringify(warning.data)];
  return parts.filter((part) => part !== undefined && part !== '').join(': ');
}

function main(input) {
  const statements = JSON.parse(input);
  if (!Array.isArray(statements)) {
    throw new TypeError('expected a JSON array of statements on stdin');
  }
  const results = statements.map((statement) => validate(statement).map(describe));
  process.stdout.write(JSON.stringify(results) + '\n');
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
});
process.stdin.on('end', () => {
  try {
    main(input);
  } catch (error) {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(2);
  }
});
