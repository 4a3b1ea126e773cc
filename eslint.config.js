// Lints the project itself, and dogfoods the plugin (its build, which `npm ci` runs) on the example service.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import modelflags from 'eslint-plugin-modelflags';

/*
 * Package and layer boundaries: what each folder may import (issue 12). Relative imports are told
 * apart by how many `../` climb out of a folder, which depends on how deep the file sits below it,
 * so the options are built per folder and per depth. A later config object replaces an earlier
 * one's options for the same rule, so each object carries every restriction of the folders its
 * files sit in, not just the innermost one's.
 */
const boundary = {
  srcOutside: 'modelflags is src/ alone once packed: it imports nothing outside src/.',
  siblings:
    'modelflags does not depend on eslint-plugin-modelflags or remove-flag: src/cli/siblings.ts loads them when a command needs them.',
  zeroDependencies:
    "modelflags has zero dependencies: src/ imports node: built-ins and its own files, and an optional peer only in that peer's adapter.",
  runtime:
    "src/runtime/ never imports the CLI, the exporters, or type generation: an app that evaluates flags loads only what serving them needs (the guardrail's kill switch edits the registry text, so registry/edit is allowed).",
  registry:
    'src/registry/ is the core the runtime and the CLI build on: it never imports src/runtime, src/cli or src/exports.',
  rules:
    'eslint-plugin-modelflags reaches modelflags through its subpaths (modelflags/registry, /io, /cli), never the codemod or a relative path out of rules/.',
  detection:
    'rules/detection/ is the flag-read detection library the plugin, the audit and the codemod share: it imports its own files, modelflags/registry, types from modelflags/cli and modelflags/io, and describeErrno (how every tool words a failed read); never the rules.',
  codemods:
    'remove-flag imports its sibling packages by name (modelflags/…, eslint-plugin-modelflags/…), never by a relative path out of codemods/.',
};

/** Per folder: the restricted patterns, given `out`, the regex of a relative import that leaves the folder, and the optional peers the file may import. */
const boundaries = {
  src: (out, peers) => [
    { regex: out, message: boundary.srcOutside },
    { regex: '^(eslint-plugin-modelflags|remove-flag)(/|$)', message: boundary.siblings },
    {
      regex: `^(?!node:|\\.|eslint-plugin-modelflags(/|$)|remove-flag(/|$)${peers.map((peer) => `|${peer}$`).join('')})`,
      message: boundary.zeroDependencies,
    },
  ],
  'src/runtime': (out) => [
    { regex: `${out}(cli|exports)(/|$)`, message: boundary.runtime },
    { regex: `${out}registry/(generate|index)(\\.js)?$`, message: boundary.runtime },
  ],
  'src/registry': (out) => [{ regex: `${out}(runtime|cli|exports)(/|$)`, message: boundary.registry }],
  rules: (out) => [
    { regex: out, message: boundary.rules },
    { regex: '^remove-flag(/|$)', message: boundary.rules },
    { regex: '^modelflags$', message: boundary.rules },
  ],
  'rules/detection': (out) => [
    // Out of detection but still inside rules/: leaving rules/ is the rules' own restriction.
    { regex: `${out}(?!\\.\\./)`, message: boundary.detection },
    { regex: '^eslint-plugin-modelflags(/|$)', message: boundary.detection },
    { regex: '^modelflags/(?!(registry|cli|io)$)', message: boundary.detection },
    { regex: '^modelflags/cli$', allowTypeImports: true, message: boundary.detection },
    // The audit's scan words an unreadable file as every tool does (describeErrno); the writer stays out.
    {
      regex: '^modelflags/io$',
      allowTypeImports: true,
      allowImportNames: ['describeErrno'],
      message: boundary.detection,
    },
  ],
  codemods: (out) => [{ regex: out, message: boundary.codemods }],
};

/** The optional peers of modelflags, each importable only by its adapter. */
const peerAdapters = {
  'src/runtime/sources/appconfig.ts': '@aws-sdk/client-appconfigdata',
  'src/cli/guard/appconfig.ts': '@aws-sdk/client-appconfig',
  'src/runtime/openfeature.ts': '@openfeature/server-sdk',
  'src/runtime/metrics/otel.ts': '@opentelemetry/api',
};

/** Folders below a boundary folder that its restrictions still reach; deeper files would go unchecked. */
const MAX_DEPTH = 6;

function restrictedImports(file, peers = []) {
  const depth = file.split('/').length;
  const patterns = Object.entries(boundaries)
    .filter(([folder]) => file.startsWith(`${folder}/`))
    .flatMap(([folder, restrict]) => restrict(`^(\\.\\./){${depth - folder.split('/').length}}`, peers));
  return { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] };
}

const boundaryConfigs = [
  ...Object.keys(boundaries).flatMap((folder) => {
    const inner = Object.keys(boundaries).filter((other) => other.startsWith(`${folder}/`));
    return Array.from({ length: MAX_DEPTH }, (_, depth) => {
      const files = `${folder}/${'*/'.repeat(depth)}*.ts`;
      return { files: [files], ignores: inner.map((other) => `${other}/**`), rules: restrictedImports(files) };
    });
  }),
  ...Object.entries(peerAdapters).map(([file, peer]) => ({ files: [file], rules: restrictedImports(file, [peer]) })),
];

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      'node_modules/**',
      'coverage/**',
      'bench/corpus/**',
      'bench/.tmp/**',
      'test/codemods/fixtures/**',
      'test/**/fixtures/**',
      '**/.example-*/**',
    ],
  },
  tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  boundaryConfigs,
  {
    // `files` narrows the config's code and registry blocks alike to the example service.
    files: ['examples/inference-service/**'],
    extends: [modelflags.configs.recommended],
    settings: { modelflags: { registry: new URL('./examples/inference-service/flags.json', import.meta.url) } },
  },
);
