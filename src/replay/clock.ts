/**
 * The replay clock maps the capture's timeline onto wall time: capture offset t (µs from the
 * start of the replayed timeline) is due when `captureNowUs()` reaches it. It runs at `speed`
 * capture-seconds per wall-second, can be paused, and its speed can change mid-run without a
 * jump: each change re-anchors the mapping at the current position. Pure over an injected
 * wall clock (ms), so tests drive it without real time.
 */
export class ReplayClock {
  private anchorWallMs: number;
  private anchorCaptureUs = 0;
  private pausedAtWallMs: number | undefined;

  constructor(
    private readonly nowMs: () => number,
    private speedFactor: number,
  ) {
    if (!(speedFactor > 0)) throw new RangeError(`speed must be > 0, got ${speedFactor}`);
    this.anchorWallMs = nowMs();
  }

  /** Infinity means "as fast as possible": every offset is already due. */
  get speed(): number {
    return this.speedFactor;
  }

  get paused(): boolean {
    return this.pausedAtWallMs !== undefined;
  }

  /** The capture offset (µs) the replay has reached. */
  captureNowUs(): number {
    if (this.speedFactor === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
    const wall = this.pausedAtWallMs ?? this.nowMs();
    return this.anchorCaptureUs + (wall - this.anchorWallMs) * 1000 * this.speedFactor;
  }

  /** Wall milliseconds until capture offset `captureUs` is due (<= 0: due now; Infinity while paused). */
  delayMs(captureUs: number): number {
    if (this.paused) return Number.POSITIVE_INFINITY;
    if (this.speedFactor === Number.POSITIVE_INFINITY) return 0;
    return (captureUs - this.captureNowUs()) / 1000 / this.speedFactor;
  }

  /** How late (wall ms) something due at `captureUs` is now; negative when early, -Infinity while paused. */
  lateMs(captureUs: number): number {
    if (this.paused) return Number.NEGATIVE_INFINITY;
    if (this.speedFactor === Number.POSITIVE_INFINITY) return 0;
    return (this.captureNowUs() - captureUs) / 1000 / this.speedFactor;
  }

  setSpeed(speed: number): void {
    if (!(speed > 0)) throw new RangeError(`speed must be > 0, got ${speed}`);
    if (this.speedFactor !== Number.POSITIVE_INFINITY) this.reanchor();
    this.speedFactor = speed;
  }

  pause(): void {
    if (this.paused) return;
    this.reanchor();
    this.pausedAtWallMs = this.nowMs();
  }

  resume(): void {
    if (!this.paused) return;
    this.pausedAtWallMs = undefined;
    this.anchorWallMs = this.nowMs();
  }

  private reanchor(): void {
    const captureNow = this.captureNowUs();
    this.anchorWallMs = this.pausedAtWallMs ?? this.nowMs();
    this.anchorCaptureUs = captureNow;
  }
}
