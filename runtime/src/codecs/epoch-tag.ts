// The epoch tag of a stored value (see storage/epochs.ts for what epochs are): every cached row and absence of a table
// under the change feed carries the epoch it was written under (`~e<n>~` before the encoded row; epoch 0 adds nothing,
// so tables never bumped store exactly what they did before). A value tagged with an older epoch than the one known is
// neither a row nor an absence to a reader.
import type { RowCodec } from './row-codec.js';

/** What the codec needs to know of a table's epoch: the current one, and whether it has been read yet. */
export interface EpochView {
  readonly current: number;
  /** False until the table's epoch was read once: until then no cached value is trusted. */
  readonly ready: boolean;
}

const TAG = '~e';

/** The row codec a table uses while the change feed is on: rows carry their epoch. */
export function epochCodec(codec: RowCodec, cell: EpochView): RowCodec {
  return {
    columns: codec.columns,
    codecFor: (key) => codec.codecFor(key),
    signature: codec.signature,
    encode: (row) => (cell.current === 0 ? codec.encode(row) : `${TAG}${cell.current}~${codec.encode(row)}`),
    decode(text) {
      if (!cell.ready) return undefined;
      const { epoch, body } = splitEpoch(text);
      if (epoch === undefined || epoch < cell.current) return undefined;
      return codec.decode(body);
    },
    absent: () => (cell.current === 0 ? codec.absent() : `${TAG}${cell.current}~${codec.absent()}`),
    isAbsent(text) {
      if (!cell.ready) return false;
      const { epoch, body } = splitEpoch(text);
      return epoch !== undefined && epoch >= cell.current && codec.isAbsent(body);
    },
  };
}

export function splitEpoch(text: string): { epoch: number | undefined; body: string } {
  if (!text.startsWith(TAG)) return { epoch: 0, body: text };
  const end = text.indexOf('~', TAG.length);
  const epoch = end < 0 ? Number.NaN : Number(text.slice(TAG.length, end));
  return Number.isSafeInteger(epoch) && epoch >= 0 ? { epoch, body: text.slice(end + 1) } : { epoch: undefined, body: text };
}

