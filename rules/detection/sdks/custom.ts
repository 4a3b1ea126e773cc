/**
 * In-house readers, declared in the registry's `readers` (or the ESLint settings) rather than
 * known in advance: `{ "callee": "flagsService.evaluate", "keyArgument": 0, "contextArgument": 1 }`.
 * A call whose callee ends with a reader's `callee` reads the flag its key argument names, whatever
 * the receiver is; a key argument like `"0.feature"` is a property of an object argument, which is
 * also how a component reader (`<IfFeatureOn feature="x">`) takes its key from its props.
 */
import type { CustomReader } from '../types.js';
import type { MethodSpec, SdkDescriptor } from './descriptor.js';

/** Its words are the readers' method names ({@link readerMethod}), known per registry. */
export const custom: SdkDescriptor<'custom'> = { id: 'custom', prefilter: [], mentions: [], packages: [] };

/** The method a reader's calls end with. */
export function readerMethod(reader: CustomReader): string {
  return reader.callee.slice(reader.callee.lastIndexOf('.') + 1);
}

/** The reader a callee (`this.flagsService.evaluate`, as a dotted chain) calls. */
export function readerCalledBy(readers: readonly CustomReader[], chain: string): CustomReader | undefined {
  return readers.find((r) => chain === r.callee || chain.endsWith(`.${r.callee}`));
}

/** The prop a component reader takes its key from, for a reader declared as `{ "callee": "IfFeatureOn", "keyArgument": "0.feature" }`. */
export function componentReaderProp(readers: readonly CustomReader[], component: string): string | undefined {
  const reader = readers.find((r) => r.callee === component && /^0\.[^.]+$/.test(String(r.keyArgument)));
  return reader && String(reader.keyArgument).slice(2);
}

/**
 * How a call of the reader reads: its key is `path` inside argument `spec.key` (`"0.key"`). Without
 * a declared `returns`, an awaited call is taken as returning a promise.
 */
export function readerSpec(reader: CustomReader, awaited: boolean): { spec: MethodSpec; path: string[] } {
  const [index, ...path] = String(reader.keyArgument).split('.');
  const spec: MethodSpec = {
    key: Number(index),
    valueKind: 'value',
    async: reader.returns === 'promise' || (reader.returns === undefined && awaited),
    ...(reader.defaultArgument === undefined ? {} : { default: reader.defaultArgument }),
    ...(reader.contextArgument === undefined ? {} : { context: reader.contextArgument }),
  };
  return { spec, path };
}
