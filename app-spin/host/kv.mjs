// wasi:keyvalue@0.2.0-draft2 (store, atomics, batch) the way Spin's default
// SQLite-backed store behaves, held in this process so every component
// instance the host creates sees the same data.
//
// What matters for the tests is that this behaves like the real runtime, not
// like whatever the component would find convenient:
// - `increment` keeps a counter as 8 little-endian bytes of an i64 (Spin 4.x
//   writes `i64::to_le_bytes`), starting from 0 when the key is absent;
// - `increment` on a value that is not 8 bytes (say, text someone `set`) is an
//   error, never a silent reinterpretation;
// - opening a store label the component was not granted is `access-denied`;
// - `list-keys` returns every key at once (no cursor), `get-many` returns
//   only the keys that exist.

const COUNTER_BYTES = 8;

class StoreError {
  // jco turns a thrown object with a `payload` into the `err` side of the
  // WIT result; anything else would trap the guest.
  constructor(tag, val) {
    this.payload = val === undefined ? { tag } : { tag, val };
  }
}

function other(message) {
  return new StoreError("other", message);
}

export class KeyValueHost {
  #stores = new Map();
  #granted;
  #offline = false;
  /** Calls per operation, so tests can see how the component uses the store. */
  ops = {};

  constructor(grantedLabels) {
    this.#granted = new Set(grantedLabels);
    for (const label of grantedLabels) {
      this.#stores.set(label, new Map());
    }
  }

  /** Makes every `open` fail from now on (or not), like a store that went away. */
  setOffline(offline) {
    this.#offline = offline;
  }

  /** The raw contents of one store: what another writer or an operator would see. */
  entries(label) {
    return [...(this.#stores.get(label) ?? new Map()).entries()];
  }

  /** A plain `set` from outside the component (another writer, an operator). */
  put(label, key, value) {
    this.#stores.get(label).set(key, Uint8Array.from(value));
  }

  #count(op) {
    this.ops[op] = (this.ops[op] ?? 0) + 1;
  }

  /** The three interfaces, shaped as jco's instantiation expects them. */
  interfaces() {
    const host = this;
    const data = new WeakMap();
    const map = (bucket) => {
      const entries = data.get(bucket);
      if (!entries) throw other("bucket is not open");
      return entries;
    };

    class Bucket {
      get(key) {
        host.#count("get");
        return map(this).get(key);
      }
      set(key, value) {
        host.#count("set");
        map(this).set(key, Uint8Array.from(value));
      }
      delete(key) {
        host.#count("delete");
        map(this).delete(key);
      }
      exists(key) {
        host.#count("exists");
        return map(this).has(key);
      }
      listKeys(cursor) {
        host.#count("list-keys");
        if (cursor !== undefined) throw other("list_keys: cursor not supported");
        return { keys: [...map(this).keys()], cursor: undefined };
      }
    }

    const store = {
      Bucket,
      open(label) {
        host.#count("open");
        if (host.#offline) throw other("store backend unavailable");
        if (!host.#granted.has(label)) throw new StoreError("access-denied");
        const bucket = new Bucket();
        data.set(bucket, host.#stores.get(label));
        return bucket;
      },
    };

    const atomics = {
      increment(bucket, key, delta) {
        host.#count("increment");
        const entries = map(bucket);
        const current = entries.get(key);
        let value = 0n;
        if (current !== undefined) {
          if (current.length !== COUNTER_BYTES) throw other("incorrect length");
          value = new DataView(current.buffer, current.byteOffset, COUNTER_BYTES).getBigInt64(0, true);
        }
        const next = BigInt.asIntN(64, value + BigInt(delta));
        const bytes = new Uint8Array(COUNTER_BYTES);
        new DataView(bytes.buffer).setBigInt64(0, next, true);
        entries.set(key, bytes);
        return next;
      },
    };

    const batch = {
      getMany(bucket, keys) {
        host.#count("get-many");
        const entries = map(bucket);
        return keys.filter((key) => entries.has(key)).map((key) => [key, entries.get(key)]);
      },
      setMany(bucket, pairs) {
        host.#count("set-many");
        const entries = map(bucket);
        for (const [key, value] of pairs) entries.set(key, Uint8Array.from(value));
      },
      deleteMany(bucket, keys) {
        host.#count("delete-many");
        const entries = map(bucket);
        for (const key of keys) entries.delete(key);
      },
    };

    return { store, atomics, batch };
  }
}
