/** What the server pushes to agents besides the ban list: one document of each kind, replaced as a whole. */
export const CONTENT_KINDS = ['policy', 'rules', 'intel'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

export interface ContentRecord {
  kind: ContentKind;
  /** What agents report back once applied: a content hash, or the version the admin or the list header gave. */
  version: string;
  /** Changes whenever kind, version or body change; agents send it back in If-None-Match. */
  etag: string;
  /** The document as uploaded (policy YAML, Sigma YAML, pool list text). */
  body: string;
  /** Facts about the body found while validating it (rule count, list name, date, entries). */
  meta: Record<string, unknown>;
  updatedAt: string;
  updatedBy: string;
}

export interface ContentRepo {
  get(kind: ContentKind): Promise<ContentRecord | null>;
  /** Replaces the document of its kind. */
  put(rec: ContentRecord): Promise<void>;
  /** Removes it; agents then drop what they applied. False when there was none. */
  remove(kind: ContentKind): Promise<boolean>;
}
