// Unknown fields in Kubernetes and KEDA objects (validate.mjs uses it). The OpenAPI schemas of kubernetes-models and
// @kubernetes-models/keda let any extra key through, as the API server does without strict field validation, so a
// misspelt `replica: 2` would pass them. The same packages ship TypeScript declarations generated from the same schemas,
// which name every field of every type: this reads them with the TypeScript compiler and walks each object along its
// declared type, reporting every key its type does not declare. Maps (labels, annotations, resources.limits, a trigger's
// metadata) take any key; free-form values (declared `any` or `{}`) are not walked.
import { existsSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

// The few global types the declarations use; the whole standard library is not needed (and takes seconds to load).
const libName = "/stylegrpc-minimal-lib.d.ts";
const libText = `
interface Array<T> { length: number; [n: number]: T; }
interface ReadonlyArray<T> { readonly length: number; readonly [n: number]: T; }
interface Boolean {} interface Function {} interface CallableFunction {} interface NewableFunction {} interface IArguments {}
interface Number {} interface Object {} interface RegExp {} interface String {} interface Symbol {}
type Partial<T> = { [P in keyof T]?: T[P] };
type Record<K extends keyof any, T> = { [P in K]: T };
type Pick<T, K extends keyof T> = { [P in K]: T[P] };
type Exclude<T, U> = T extends U ? never : T;
type Omit<T, K extends keyof any> = Pick<T, Exclude<keyof T, K>>;
`;

/**
 * Returns check(object): undefined when the object's kind has no declarations here, else a list of
 * { path, field } for each undeclared key (path "" for the object's top level).
 */
export function unknownFieldChecker(nodeModules, packages, objects) {
  const declarationFile = object => {
    for (const pkg of packages) {
      const file = join(nodeModules, pkg, String(object.apiVersion), `${object.kind}.d.ts`);
      if (existsSync(file)) {
        return file;
      }
    }
    return undefined;
  };
  const roots = [...new Set(objects.map(declarationFile).filter(Boolean))];
  const options = { noEmit: true, noLib: true, skipLibCheck: true, types: [], strictNullChecks: false };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, version, ...rest) =>
    name === libName ? ts.createSourceFile(name, libText, version) : getSourceFile(name, version, ...rest);
  host.fileExists = name => name === libName || fileExists(name);
  const program = ts.createProgram([libName, ...roots], options, host);
  const checker = program.getTypeChecker();

  const rootType = (file, kind) => {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    const symbol = module && checker.getExportsOfModule(module).find(s => s.name === `I${kind}`);
    return symbol && checker.getDeclaredTypeOfSymbol(symbol);
  };

  const walk = (value, type, path, found) => {
    if (!type || value === null || typeof value !== "object") {
      return;
    }
    if (type.isUnion()) {
      const objectTypes = type.types.filter(t => (t.flags & ts.TypeFlags.Object) !== 0);
      type = objectTypes.find(t => checker.isArrayType(t) === Array.isArray(value));
      if (!type) {
        return;
      }
    }
    if (Array.isArray(value)) {
      if (checker.isArrayType(type)) {
        const element = checker.getTypeArguments(type)[0];
        value.forEach((item, i) => walk(item, element, [...path, String(i)], found));
      }
      return;
    }
    const index = checker.getIndexInfosOfType(type);
    if (index.length > 0) {
      for (const [key, item] of Object.entries(value)) {
        walk(item, index[0].type, [...path, key], found);
      }
      return;
    }
    const properties = new Map(checker.getPropertiesOfType(type).map(p => [p.name, p]));
    if (properties.size === 0) {
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      const property = properties.get(key);
      if (property) {
        walk(item, checker.getTypeOfSymbol(property), [...path, key], found);
      } else {
        found.push({ path: path.join("."), field: key });
      }
    }
  };

  return object => {
    const file = declarationFile(object);
    const type = file && rootType(file, object.kind);
    if (!type || checker.getPropertiesOfType(type).length === 0) {
      return undefined;
    }
    const found = [];
    walk(object, type, [], found);
    return found;
  };
}
