// Validates every document of a rendered manifest (stdin, multi-document
// YAML) against its kind's schema as bundled by kubernetes-models: offline,
// no cluster needed. Exit status 1 and one line per problem when any fails.
"use strict";
const fs = require("fs");
const yaml = require("js-yaml");

const docs = yaml.loadAll(fs.readFileSync(0, "utf8")).filter(Boolean);
let problems = 0;
for (const doc of docs) {
  const where = `${doc.kind}/${doc.metadata && doc.metadata.name}`;
  const [group, version] = doc.apiVersion.includes("/")
    ? doc.apiVersion.split("/")
    : [null, doc.apiVersion];
  const path = ["kubernetes-models", group, version, doc.kind].filter(Boolean).join("/");
  let Model;
  try {
    Model = require(path)[doc.kind];
  } catch (e) {
    console.log(`${where}: no schema for ${doc.apiVersion} ${doc.kind}`);
    problems++;
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    const details = (e.errors || []).map((x) => `${x.instancePath} ${x.message}`).join("; ");
    console.log(`${where}: ${details || e.message}`);
    problems++;
  }
}
console.log(`${docs.length} documents, ${problems} invalid`);
process.exit(problems ? 1 : 0);
