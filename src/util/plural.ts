/** "1 session", "2 sessions": the count (as `format` writes it) and the word, plural unless 1. */
export function plural(count: number, word: string, format: (n: number) => string = String): string {
  return `${format(count)} ${word}${count === 1 ? '' : 's'}`;
}
