/** The element at `index`, failing the test with a clear message when the list is shorter. */
export function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`expected an element at index ${index}, got ${items.length}`);
  return item;
}
