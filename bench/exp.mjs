const t0 = performance.now();
const steps = [['globby', () => import('globby')], ['remove-flag', () => import('../dist/codemods/remove-flag.js')], ['rewrite', () => import('../dist/codemods/rewrite.js')], ['babel', async () => (await import('node:module')).createRequire(import.meta.url)('@babel/parser')]];
for (const [name, f] of steps) { const t = performance.now(); await f(); console.log(name, (performance.now() - t).toFixed(0)); }
console.log('total', (performance.now() - t0).toFixed(0));
