/**
 * The layer order of src/ (docs/architecture.md "Layers"): a module may import its own layer and the layers
 * below it, never one above; no import cycle between files. `npm run lint:deps` (part of `npm test`) checks both.
 * Type-only imports obey the same order: no exception is needed.
 */
const LAYERS = [
  ["src/lib/", "src/errors\\.ts$"],
  ["src/user/", "src/limiter/"],
  ["src/config\\.ts$", "src/app-types\\.ts$", "src/security-headers\\.ts$"],
  ["src/db/", "src/email/", "src/keys/", "src/abuse/"],
  ["src/audit/"],
  ["src/webhooks/"],
  ["src/ui/"],
  ["src/middleware/"],
  ["src/sessions/"],
  ["src/oidc/"],
  ["src/signin/"],
  ["src/magic-link/"],
  ["src/federation/"],
  ["src/account/"],
  ["src/passkeys/"],
  ["src/admin/"],
  ["src/demo/", "src/app\\.tsx$", "src/scheduled\\.ts$", "src/index\\.ts$"],
];

const group = (paths) => `^(${paths.join("|")})`;

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${i}-imports-up`,
  comment: `${layer.join(", ")} may import only layers 0..${i} (see docs/architecture.md)`,
  severity: "error",
  from: { path: group(layer) },
  to: { path: group(LAYERS.slice(i + 1).flat()) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycle between files (value or type imports).",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "src-in-a-layer",
      comment: "Every src/ module belongs to a layer: add a new folder to LAYERS in .dependency-cruiser.cjs.",
      severity: "error",
      from: { path: "^src/", pathNot: [group(LAYERS.flat()), "^src/ui/client/"] },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/ui/client/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
