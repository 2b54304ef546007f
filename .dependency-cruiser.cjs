/**
 * The layering `npm test` checks (npm run lint:layers): the rooms of docs/architecture.md and what each may
 * import. Type-only imports count as dependencies too, except where a rule says otherwise: a workflow may
 * know an activity's or a provider's types without importing its code.
 */
/** Workflow code: the core's workflows, each door's (oms/<door>/workflows/) and the bundle's entry. */
const WORKFLOW_CODE = '^(workflows/|oms/[^/]+/workflows/)';
const IO_BUILTINS =
  '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|dns|tls|cluster|worker_threads|os|process)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make modules impossible to read, test or load alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'workflows-deterministic',
      severity: 'error',
      comment:
        "Workflow code (the core's and the doors') is replayed: it imports @temporalio/workflow and " +
        '@temporalio/common, domain/ and other workflow modules, and other code only for its types.',
      from: { path: WORKFLOW_CODE },
      to: {
        pathNot: [
          WORKFLOW_CODE,
          '^domain/',
          'node_modules/@temporalio/(workflow|common)/',
          // Temporal's tracing interceptors made for the sandbox (workflows/tracing.ts).
          'node_modules/@temporalio/interceptors-opentelemetry/lib/workflow/',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'workflows-no-node-builtins',
      severity: 'error',
      comment: "Node's built-ins do I/O or are not deterministic; the workflow sandbox has none of them.",
      from: { path: WORKFLOW_CODE },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'domain-pure',
      severity: 'error',
      comment: 'domain/ holds pure types and functions: no I/O, no other room of Settle.',
      from: { path: '^domain/' },
      to: {
        pathNot: ['^domain/', 'node_modules/zod/', '^(node:)?crypto$'],
      },
    },
    {
      name: 'domain-no-io-builtins',
      severity: 'error',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'], path: IO_BUILTINS },
    },
    {
      name: 'doors-apart',
      severity: 'error',
      comment: 'A front door does not import another one.',
      from: { path: '^oms/([^/]+)/' },
      to: { path: '^oms/([^/]+)/', pathNot: '^oms/$1/' },
    },
    {
      name: 'doors-not-providers',
      severity: 'error',
      comment: "Front doors know providers only by the registry's type, handed to them.",
      from: { path: '^oms/' },
      to: { path: '^providers/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'providers-not-doors',
      severity: 'error',
      comment: 'A provider adapter knows nothing of the OMS that sent the command.',
      from: { path: '^providers/' },
      to: { path: '^(oms|api|activities|workflows|worker)/' },
    },
    {
      name: 'providers-apart',
      severity: 'error',
      comment:
        "A provider's adapter and settings do not import another provider's; the shared modules " +
        '(types, registry, routes, idempotency, the list and its helpers) serve all.',
      from: { path: '^providers/(gateway|stripe|adyen)' },
      to: { path: '^providers/(gateway|stripe|adyen)', pathNot: '^providers/$1' },
    },
    {
      name: 'core-not-edges',
      severity: 'error',
      comment:
        'The core (workflows, activities, domain) never imports the processes, the HTTP edge or its kit.',
      from: { path: '^(workflows|activities|domain)/' },
      to: { path: '^(api|http|worker|cli|scripts|bench|test|sim)/' },
    },
    {
      name: 'core-not-doors',
      severity: 'error',
      comment:
        'The core (workflows, activities, domain, worker) names no front door, not even for a type: the doors ' +
        "plug into it (oms/door.ts), and the composition roots (api/, cli/, the worker process's entry and " +
        'its build step) ' +
        'take them from oms/index.ts.',
      from: {
        path: '^(workflows|activities|domain|worker)/',
        pathNot: '^worker/(main|bundleWorkflows)\\.ts$',
      },
      to: { path: '^oms/' },
    },
    {
      name: 'api-cli-no-workflow-code',
      severity: 'error',
      comment:
        'The API, the CLI and the front doors refer to workflows by type name; only their messages ' +
        '(messages.ts, <workflow>Messages.ts) and search attributes are shared.',
      from: { path: '^(api|cli|oms)/', pathNot: WORKFLOW_CODE },
      to: {
        path: WORKFLOW_CODE,
        pathNot: '(^workflows/(messages|searchAttributes|commandVisibility)|/\\w+Messages)\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'simulators-not-doors',
      severity: 'error',
      comment:
        'A simulator keeps its own copy of the contract it plays, so that it can catch a door getting it ' +
        "wrong: it imports nothing of Settle's front doors, types included.",
      from: { path: '^sim/' },
      to: { path: '^oms/' },
    },
    {
      name: 'product-not-tooling',
      severity: 'error',
      comment:
        'The product (what the worker, the API and the CLI run) imports none of the tooling (simulators, ' +
        'scripts, benchmark) nor the tests: the tooling may import the product, never the other way round.',
      from: { path: '^(workflows|activities|domain|oms|providers|api|http|worker|config|cli)/' },
      to: { path: '^(sim|scripts|bench|test)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|coverage|\\.cache|\\.data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
