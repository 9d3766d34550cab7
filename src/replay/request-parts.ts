/**
 * A request the captured client sent in parts, pausing between them (CapturedRequest.parts). Part
 * 0 goes with the request; each later part at its own time on the replay timeline (the request's
 * time plus the part's delay), or at once when that has passed (the request went late, waiting
 * for the answer before it). One definition for both transports.
 */
import type { CapturedRequest } from '../flow/session.ts';
import type { PlannedSession } from './plan.ts';

/** Parts of the request: 1 when it was sent at once. */
export function partCount(request: CapturedRequest): number {
  return request.parts.length + 1;
}

/** Where part `part` (0-based) ends in the request's data. */
export function partEnd(request: CapturedRequest, part: number): number {
  const { data, parts } = request;
  return part < parts.length ? Math.min(data.length, parts[part][0]) : data.length;
}

/** Where part `part` begins in the request's data. */
export function partStart(request: CapturedRequest, part: number): number {
  return part === 0 ? 0 : partEnd(request, part - 1);
}

/** The bytes of part `part` (0-based), from `from` (an offset in the data) when it lies inside it. */
export function partBytes(request: CapturedRequest, part: number, from = 0): Buffer {
  return request.data.subarray(Math.max(partStart(request, part), from), partEnd(request, part));
}

/**
 * How long after the request's own time part `part` is due, on the replay timeline (µs; 0 for
 * part 0): `delaysUs` are the request's PlannedSession.partDelaysUs (undefined: the captured delays).
 */
export function partDelayUs(
  request: CapturedRequest,
  delaysUs: readonly number[] | undefined,
  part: number,
): number {
  if (part === 0) return 0;
  return delaysUs?.[part - 1] ?? request.parts[part - 1]?.[1] ?? 0;
}

/** When part `part` of the planned session's request `index` is due on the replay timeline (µs). */
export function partDueUs(planned: PlannedSession, index: number, part: number): number {
  const request = planned.session.requests[index];
  return (
    planned.startUs +
    planned.requestOffsetsUs[index] +
    partDelayUs(request, planned.partDelaysUs[index], part)
  );
}

/**
 * When the captured client half-closed after the planned session's request `index` (its last), on
 * the replay timeline (µs): the request's time plus the close's delay, as for a part.
 */
export function halfCloseDueUs(planned: PlannedSession, index: number): number {
  return planned.startUs + planned.requestOffsetsUs[index] + (planned.halfCloseDelayUs ?? 0);
}
