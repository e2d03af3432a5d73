/**
 * What the injectors need from a configuration source (Vault, Consul, the landing-zone file).
 * Adapters in src/adapters/{vault,consul} implement it; the domain layers them per environment.
 */
export type SourceKind = 'vault' | 'consul' | 'landing-zone';

export interface SourceValue {
  value: string;
  /** Where the value lives in the source, shown as provenance (never a credential). */
  path: string;
  /** The source's own version of it (KV v2 version, Consul ModifyIndex, file digest). */
  version?: string | number;
}

export interface SourceDocument {
  values: Record<string, SourceValue>;
  /** Version of the whole document where the source has one (Consul X-Consul-Index). */
  version?: string | number;
}

export interface ConfigSource {
  readonly kind: SourceKind;
  /** Shown in errors and /config explain: an address or a file, never a token. */
  readonly location: string;
  /**
   * Every value stored under `path`; null when nothing is stored there. Throws an UpstreamError
   * naming the source when it cannot answer (down, refused credentials, bad answer).
   */
  read(path: string): Promise<SourceDocument | null>;
  /** The path as people know it in that source (`secret/services/x/prod`, `switchyard/x/prod`). */
  describe(path: string): string;
  /** Names stored directly under `path`, for hints when a configured path is missing. */
  children?(path: string): Promise<string[]>;
  /**
   * Long-polls `path` (a blocking query) until `signal` aborts, calling `onChange` with every new
   * document. Resolves when aborted; `onError` is told about failures it retries through.
   */
  watch?(
    path: string,
    handlers: { onChange(doc: SourceDocument | null): void; onError(err: Error): void },
    signal: AbortSignal,
  ): Promise<void>;
  /** Releases background work (token renewal timers) at shutdown. */
  stop?(): void;
}
