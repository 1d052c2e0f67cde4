/**
 * Requests waiting for a connection, served round-robin by owner (a polling group, a write node…):
 * a group whose tag table needs twenty requests per cycle cannot make a one-request group wait behind
 * all twenty. Within one owner, first in, first out.
 */
export class FairQueue<T> {
  // A Map iterates in insertion order: the first key is the owner whose turn it is.
  private readonly byOwner = new Map<string, T[]>();
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(owner: string, item: T): void {
    const list = this.byOwner.get(owner);
    if (list) list.push(item);
    else this.byOwner.set(owner, [item]);
    this.size++;
  }

  /** The next item, taking owners in turn. */
  shift(): T | undefined {
    const first = this.byOwner.entries().next();
    if (first.done) return undefined;
    const [owner, list] = first.value;
    const item = list.shift()!;
    this.size--;
    this.byOwner.delete(owner);
    // Back of the line for this owner's next item.
    if (list.length > 0) this.byOwner.set(owner, list);
    return item;
  }

  /** Empties the queue, returning everything in it. */
  drain(): T[] {
    const all: T[] = [];
    for (const list of this.byOwner.values()) all.push(...list);
    this.byOwner.clear();
    this.size = 0;
    return all;
  }
}
