// Generates the TypeScript types of the API from the committed OpenAPI snapshot with openapi-typescript, mapping
// `format: binary` (the CSV bodies) to Blob so that CSV is sent and received as bytes, never as a JSON string.
// Equivalent command line (without the Blob mapping): npx openapi-typescript ../../src/MlCustomer.Api/OpenApi/openapi.v1.json -o mlcustomer.d.ts
import fs from "node:fs";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));
const NULL = ts.factory.createLiteralTypeNode(ts.factory.createNull());
const snapshot = new URL("../../../src/MlCustomer.Api/OpenApi/openapi.v1.json", import.meta.url);
const ast = await openapiTS(snapshot, {
  transform(schema) {
    if (schema.format === "binary") {
      return schema.nullable ? ts.factory.createUnionTypeNode([BLOB, NULL]) : BLOB;
    }
    return undefined;
  },
});
fs.mkdirSync(new URL("./generated/", import.meta.url), { recursive: true });
fs.writeFileSync(new URL("./generated/mlcustomer.d.ts", import.meta.url), astToString(ast));
console.log("generated client/generated/mlcustomer.d.ts from", snapshot.pathname);
