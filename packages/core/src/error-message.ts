/**
 * Returns the message of a caught value. It checks for a `message` string instead of using `instanceof Error`,
 * because errors thrown by Node's built-in modules fail that test under jest, which runs tests in a separate
 * realm with its own `Error` class.
 */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}
