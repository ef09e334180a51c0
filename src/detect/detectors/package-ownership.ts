/**
 * Which installed package owns a file. Detectors take it as input (read once by the caller, e.g. from dpkg's
 * lists under --root) so detection stays pure. `available` is false when the host has no package database we can
 * read: then "no owner" means "unknown", not "unpackaged".
 */
export interface PackageOwnership {
  readonly available: boolean;
  /** Package name, or undefined when no installed package lists the path. */
  ownerOf(path: string): string | undefined;
}

export const NO_PACKAGE_DB: PackageOwnership = { available: false, ownerOf: () => undefined };

/** Ownership from a path -> package map, matching across the /usr merge (/bin/x and /usr/bin/x are one file). */
export function ownershipFromMap(owners: ReadonlyMap<string, string>): PackageOwnership {
  return ownershipFromLookup(owners.size > 0, (path) => owners.get(path));
}

/** Ownership from an exact-path lookup, matching across the /usr merge (/bin/x and /usr/bin/x are one file). */
export function ownershipFromLookup(
  available: boolean,
  lookup: (path: string) => string | undefined,
): PackageOwnership {
  return {
    available,
    ownerOf(path) {
      const direct = lookup(path);
      if (direct !== undefined) return direct;
      const merged = /^\/usr\/(s?bin|lib\d*)\//.test(path)
        ? path.slice(4)
        : /^\/(s?bin|lib\d*)\//.test(path)
          ? `/usr${path}`
          : undefined;
      return merged === undefined ? undefined : lookup(merged);
    },
  };
}
