/** Most warnings kept; the rest are counted in one closing line. */
export const MAX_WARNINGS = 50;

/** A capped list of warnings. */
export class WarningList {
  private readonly items: string[] = [];
  private dropped = 0;

  add(message: string): void {
    if (this.items.length < MAX_WARNINGS) this.items.push(message);
    else this.dropped++;
  }

  toArray(): string[] {
    return this.dropped > 0 ? [...this.items, `… and ${this.dropped} more warnings`] : [...this.items];
  }
}
