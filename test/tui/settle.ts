/** Lets Ink attach its input listener (an effect) or flush a render before the next step. */
export function settle(ms = 30): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
