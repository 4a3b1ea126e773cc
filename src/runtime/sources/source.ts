/**
 * Where registry documents come from. A source only delivers text; validation, compilation and the
 * decision to keep the last good snapshot belong to the flags client.
 */
import { describeErrno } from '../../io/file-write.js';
export interface SourceDocument {
  /** The registry JSON text. */
  text: string;
  /** Where it came from, for messages (a path, a URL). */
  origin: string;
}

export interface SourceSink {
  document(doc: SourceDocument): void;
  error(error: Error): void;
}

export interface FlagSource {
  readonly description: string;
  /** The current document, read synchronously, for sources that can (files, objects). */
  readSync?(): SourceDocument;
  /** The current document, for sources that can only read asynchronously (HTTP, AppConfig). */
  read?(): Promise<SourceDocument>;
  /** Starts delivering new documents; returns a function that stops it. */
  watch?(sink: SourceSink): () => void;
}

/**
 * The sink as sources call it: from timers and promise callbacks, where a throw would kill the
 * process or vanish. The flags client's sink never throws; this keeps a custom one from doing harm.
 */
export function guarded(sink: SourceSink): SourceSink {
  const error = (problem: Error): void => {
    try {
      sink.error(problem);
    } catch {
      /* nowhere left to report it; the process must live on */
    }
  };
  const document = (doc: SourceDocument): void => {
    try {
      sink.document(doc);
    } catch (problem) {
      error(new Error(`rejected ${doc.origin}: ${describeErrno(problem)}`));
    }
  };
  return { document, error };
}
