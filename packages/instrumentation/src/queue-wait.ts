/**
 * The shortest pool wait (`wirescope.connection.queue_ms`) recorded when the wait is inferred rather
 * than measured. undici publishes no queue event, so fetch's wait is request created → written, less
 * the connect the request paid; that difference also holds the event-loop turns between undici's own
 * steps (well under a millisecond idle, a few under load), on every request, and would make every
 * attempt look queued. node:http measures the wait exactly (the agent's queue) and records every one:
 * a deliberate difference between the handlers.
 */
export const INFERRED_QUEUE_NOISE_MS = 5;
