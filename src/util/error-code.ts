/** What an error says in one word for a one-line message: its errno code (ENOENT), else its text. */
export function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
