/**
 * The capturing host's clock stepped back mid-capture (NTP setting it right): fed every timed
 * record's capture time in file order, tells each record's mended time, on a timeline that goes
 * on from where it was instead of falling back. Sans I/O, no clock of its own.
 *
 * A record more than STEP_BACK_US behind the record before it is a step back, unless that record
 * was stamped alone ahead: more than STEP_BACK_US ahead of the one before it, with this one back
 * near that one (a glitch of one record, whose time alone is off; the replay handles those). So a
 * step no larger than the records' spacing and a second is taken for records out of order.
 *
 * A jump is a gap between records larger than JUMP_PACES times the capture's pace (the largest gap
 * lately), and than STEP_BACK_US: sparse captures have gaps of seconds that are no jump. A step
 * behind a jump ahead is measured from the record before the jump. A step's record is mended to
 * the time it was measured from, and the records after it keep their distance to it.
 *
 * Until the clock has run on from the step (a second, or 16 records, in no jump back and no jump
 * ahead), a record that jumps back to the times before it (to within STEP_BACK_US, or half the step
 * when smaller) shows the records since to be stamped far back (one alone, or copies of earlier
 * records): the step, and any since, is undone (those records keep their mended times). A step
 * counts once the clock has run on so.
 *
 * After that, a jump ahead the size of the last step (to within STEP_BACK_US) shows two clocks
 * (hosts whose records were merged in batches): the step is taken back, and steps of that size are
 * mended but not counted.
 *
 * Out-of-order records less than STEP_BACK_US behind (capture queues, merged interfaces) are left
 * as they are.
 */

/** How far (µs) a record must be stamped behind the record before it to be a clock step back. */
export const STEP_BACK_US = 1_000_000;
/** ...and a step counts once the clock has run on from it this long, or for this many records, in no jump. */
const RUN_ON_US = STEP_BACK_US;
const RUN_ON_RECORDS = 16;
/** A gap is a jump when larger than this many times the capture's pace (and than STEP_BACK_US). */
const JUMP_PACES = 4;
/** The pace keeps this much of itself each record (fading by 1/16), so that it follows the capture. */
const PACE_KEPT = 1 - 1 / 16;

/** The smallest gap (µs) that is a jump, at pace `paceUs`. */
function jumpUs(paceUs: number): number {
  return Math.max(STEP_BACK_US, JUMP_PACES * paceUs);
}

/** The pace after a record `gapUs` after the one before it: a gap counts as far as it is no jump. */
function nextPace(paceUs: number, gapUs: number): number {
  const fadedUs = paceUs * PACE_KEPT;
  // (A record behind the one before it, or the first, adds nothing.)
  const countedUs = gapUs > 0 ? Math.min(gapUs, jumpUs(paceUs)) : 0;
  return Math.max(countedUs, fadedUs);
}

/** The steps back counted. */
export interface ClockStepTally {
  count: number;
  /** The largest step (µs), 0 when none. */
  largestUs: number;
  /**
   * The first step's file (0-based, in the order `startFile` began them; 0 without) and record
   * (its index in the file), raw capture time and size; -1, -1, NaN and 0 before one.
   */
  firstFile: number;
  firstRecord: number;
  firstRawUs: number;
  firstStepUs: number;
}

const noSteps = (): ClockStepTally => ({
  count: 0,
  largestUs: 0,
  firstFile: -1,
  firstRecord: -1,
  firstRawUs: Number.NaN,
  firstStepUs: 0,
});

export class ClockSteps {
  /** Added to a raw capture time to mend it (µs): the steps back so far, in all. */
  offsetUs = 0;
  /** The steps so far, counted or not yet. */
  private steps = noSteps();
  private filesStarted = 0;
  /** Raw times of the last two timed records. */
  private previousUs = Number.NaN;
  private beforePreviousUs = Number.NaN;
  /** The capture's pace (µs), up to the record before the last (the last may be a jump ahead). */
  private paceUs = 0;
  /**
   * A step may still be undone: the raw time it was measured from, how near the times before it
   * a record must come to undo it, the pace, offset and tally before it; and the raw time the
   * records have run on from, in no jump, since the step.
   */
  private undoable = false;
  private stepFromUs = 0;
  private undoWithinUs = 0;
  private paceBeforeStepUs = 0;
  private offsetBeforeUs = 0;
  private stepsBefore = noSteps();
  private runFromUs = 0;
  private runRecords = 0;
  /**
   * The last step, once it could no longer be undone: its size, and the offset and tally before
   * it. A jump ahead of the same size (to within STEP_BACK_US) is the clock of the records before
   * it coming back: two clocks interleaved (hosts whose records are merged in batches), no step.
   */
  private lastStep: { stepUs: number; offsetBeforeUs: number; stepsBefore: ClockStepTally } | undefined;
  /** Two clocks were seen this far apart: a step of that size is the other clock again (mended, not counted). */
  private otherClockUs: number | undefined;

  /** The steps counted so far. */
  tally(): Readonly<ClockStepTally> {
    return this.undoable ? this.stepsBefore : this.steps;
  }

  /** The next record read is the first of a file (of the recording: the offset goes on). */
  startFile(): void {
    this.filesStarted++;
  }

  /** The mended time (µs) of the next timed record, stamped `rawUs`; `record`: its index in the file. */
  mend(rawUs: number, record: number): number {
    if (this.undoable) this.confirmOrUndo(rawUs);
    else if (this.lastStep !== undefined) this.otherClockBack(rawUs);
    // (After an undo, the record is near the times before the step: no step back from them.)
    if (rawUs < this.previousUs - STEP_BACK_US) this.stepBack(rawUs, record);
    this.paceUs = nextPace(this.paceUs, this.previousUs - this.beforePreviousUs);
    this.beforePreviousUs = this.previousUs;
    this.previousUs = rawUs;
    return rawUs + this.offsetUs;
  }

  /** Whether `rawUs` undoes the step, or shows it to be one: the clock ran on from it for a while, in no jump. */
  private confirmOrUndo(rawUs: number): void {
    // A return, not the clock running on into those times: it comes in a jump.
    if (rawUs >= this.stepFromUs - this.undoWithinUs && rawUs > this.previousUs + this.undoWithinUs) {
      this.undo();
    } else if (
      rawUs < this.previousUs - STEP_BACK_US ||
      rawUs > this.previousUs + jumpUs(this.paceBeforeStepUs)
    ) {
      // Stale records jump about; a capture's own gaps, however long, run on.
      this.runFromUs = rawUs;
      this.runRecords = 0;
    } else if (rawUs - this.runFromUs > RUN_ON_US || ++this.runRecords >= RUN_ON_RECORDS) {
      this.undoable = false;
      this.lastStep = {
        stepUs: this.offsetUs - this.offsetBeforeUs,
        offsetBeforeUs: this.offsetBeforeUs,
        stepsBefore: this.stepsBefore,
      };
    }
  }

  /** A jump ahead the size of the last step: the records before it and those since have two clocks. */
  private otherClockBack(rawUs: number): void {
    const last = this.lastStep!;
    const jumpedUs = rawUs - this.previousUs;
    if (jumpedUs <= jumpUs(this.paceUs) || Math.abs(jumpedUs - last.stepUs) > STEP_BACK_US) return;
    this.offsetUs = last.offsetBeforeUs;
    this.steps = last.stepsBefore;
    this.lastStep = undefined;
    this.otherClockUs = last.stepUs;
  }

  private stepBack(rawUs: number, record: number): void {
    const previousUs = this.previousUs;
    const beforeUs = this.beforePreviousUs;
    const aheadUs = previousUs - beforeUs;
    // The previous record alone was stamped ahead. (NaN, the previous record the first, counts as
    // ahead: a first record stamped far ahead of the second is a glitch, as the replay takes it.)
    if (!(aheadUs <= STEP_BACK_US) && !(rawUs < beforeUs - STEP_BACK_US)) return;
    const fromUs = aheadUs > jumpUs(this.paceUs) ? beforeUs : previousUs;
    const stepUs = fromUs - rawUs;
    if (!this.undoable) {
      this.undoable = true;
      this.stepFromUs = fromUs;
      this.undoWithinUs = Math.min(STEP_BACK_US, stepUs / 2);
      this.paceBeforeStepUs = this.paceUs;
      this.offsetBeforeUs = this.offsetUs;
      this.stepsBefore = { ...this.steps };
    }
    this.runFromUs = rawUs;
    this.runRecords = 0;
    this.offsetUs += stepUs;
    const other = this.otherClockUs;
    if (other !== undefined && Math.abs(stepUs - other) <= STEP_BACK_US) return;
    const steps = this.steps;
    steps.count++;
    if (stepUs > steps.largestUs) steps.largestUs = stepUs;
    if (steps.count === 1) {
      steps.firstFile = Math.max(0, this.filesStarted - 1);
      steps.firstRecord = record;
      steps.firstRawUs = rawUs;
      steps.firstStepUs = stepUs;
    }
  }

  /** The records since the step were stamped far back, not a step: the times before them go on. */
  private undo(): void {
    this.undoable = false;
    this.offsetUs = this.offsetBeforeUs;
    this.paceUs = this.paceBeforeStepUs;
    this.steps = this.stepsBefore;
    // The next record is read against the time before those records, not against them.
    this.previousUs = this.stepFromUs;
    this.beforePreviousUs = this.stepFromUs;
  }
}
