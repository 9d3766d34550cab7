/*
 * A raw IPv4 sender (IPPROTO_RAW: the packets carry their own IP headers) with a thread of its
 * own, for the raw transport (src/transport/raw-sender.ts):
 *
 *   openRawSender(ringBytes) -> handle
 *   rawSend(handle, packet, length) -> boolean       false when the ring is full (nothing queued)
 *   rawFlush(handle)                                 wakes the thread for what rawSend queued
 *   rawSenderStats(handle) -> { sent, failed, retried, queued, errors: { message: count } }
 *   closeRawSender(handle)                           drops what is still queued; idempotent
 *
 * sendto on a raw socket runs the whole path to the wire in the caller; on a veth pair that
 * includes the receiving host's IP and TCP input (softirq). Here JavaScript only copies the
 * packet into a ring; the sender thread drains it with sendmmsg, blocking while the socket's
 * buffer is full, so the event loop never waits for the kernel. Waking the thread costs a
 * syscall, so rawSend only queues and the caller flushes once per batch (an event-loop turn).
 * A packet the kernel had no room
 * for (ENOBUFS: a full qdisc or veth backlog) is sent again after a short pause; IP_RECVERR is
 * set because without it Linux reports ENOBUFS on such a socket as success (raw_send_hdrinc).
 * Packets still queued when the sender is closed count as failed ("Operation canceled").
 *
 * The ring holds records of  length u32 | IPv4 destination (network order) | packet | padding to 8,
 * in order. A record never wraps: when it does not fit before the end, a record of length
 * WRAP marks the rest of the ring as unused. `head` (sender) and `tail` (JavaScript) are byte
 * offsets that only grow; tail - head bytes are in use. The mutex guards head, tail and the
 * counters; the bytes between head and tail belong to the sender, the rest to JavaScript.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "napi_util.h"

#define RECORD_HEADER 8
#define WRAP 0xffffffffu
#define MAX_PACKET 65535
#define MIN_RING (2 * (RECORD_HEADER + MAX_PACKET))
#define BATCH 64
#define ERRNOS 160
/* A packet that meets ENOBUFS is tried again after RETRY_PAUSE_US, this many times at most. */
#define RETRIES 2000
#define RETRY_PAUSE_US 50

/* Tells a sender's external from other externals (the libpcap handles). */
static const napi_type_tag SENDER_TAG = {0x7265707269736531ULL, 0x72617773656e6472ULL};

/* What one batch did, applied to the sender's counters together with its head. */
typedef struct batch_result {
  uint64_t bytes;
  uint64_t sent;
  uint64_t retried;
  uint64_t failed;
  uint64_t failures[ERRNOS];
} batch_result;

typedef struct sender {
  int fd;
  int closed;
  int idle; /* the thread waits on `wake`: only then does a flush need to signal it */
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  uint8_t *ring;
  uint64_t size;
  uint64_t head;
  uint64_t tail;
  uint64_t sent;
  uint64_t failed;
  uint64_t retried;
  uint64_t errors[ERRNOS];
} sender;

static uint64_t align8(uint64_t n) { return (n + 7) & ~(uint64_t)7; }

static void read_header(const uint8_t *at, uint32_t *length, uint32_t *dst) {
  memcpy(length, at, 4);
  memcpy(dst, at + 4, 4);
}

static int closing(sender *s) { return __atomic_load_n(&s->closed, __ATOMIC_RELAXED); }

static void count_failure(uint64_t *failures, int error) { failures[error > 0 && error < ERRNOS ? error : 0]++; }

/*
 * Moves *at over unused ring space (a WRAP record, or an end too short for a header) to the next
 * record before `tail` and reads its header; 0 when there is none.
 */
static int next_record(const sender *s, uint64_t *at, uint64_t tail, uint32_t *length, uint32_t *dst) {
  while (*at < tail) {
    uint64_t offset = *at % s->size;
    if (s->size - offset >= RECORD_HEADER) {
      read_header(s->ring + offset, length, dst);
      if (*length != WRAP) return 1;
    }
    *at += s->size - offset;
  }
  return 0;
}

/* Sends up to BATCH records from `head` on into `result`, with the bytes of ring they took. */
static void send_batch(sender *s, uint64_t head, uint64_t tail, batch_result *result) {
  struct mmsghdr messages[BATCH];
  struct iovec vectors[BATCH];
  struct sockaddr_in addresses[BATCH];
  uint64_t at = head;
  unsigned count = 0;
  uint32_t length, dst;
  while (count < BATCH && next_record(s, &at, tail, &length, &dst)) {
    uint64_t offset = at % s->size;
    memset(&addresses[count], 0, sizeof addresses[count]);
    addresses[count].sin_family = AF_INET;
    addresses[count].sin_addr.s_addr = dst;
    vectors[count].iov_base = s->ring + offset + RECORD_HEADER;
    vectors[count].iov_len = length;
    memset(&messages[count], 0, sizeof messages[count]);
    messages[count].msg_hdr.msg_name = &addresses[count];
    messages[count].msg_hdr.msg_namelen = sizeof addresses[count];
    messages[count].msg_hdr.msg_iov = &vectors[count];
    messages[count].msg_hdr.msg_iovlen = 1;
    count++;
    at += align8(RECORD_HEADER + length);
  }
  unsigned done = 0, tries = 0;
  memset(result, 0, sizeof *result);
  while (done < count) {
    int n = sendmmsg(s->fd, messages + done, count - done, 0);
    if (n > 0) {
      done += (unsigned)n;
      result->sent += (uint64_t)n;
      tries = 0;
      continue;
    }
    int error = n < 0 ? errno : EIO;
    if (error == EINTR) continue;
    if ((error == ENOBUFS || error == EAGAIN) && tries < RETRIES && !closing(s)) {
      if (tries++ == 0) result->retried++;
      usleep(RETRY_PAUSE_US);
      continue;
    }
    /* The first message failed for good (or the sender is closing): count it, go on. */
    count_failure(result->failures, closing(s) ? ECANCELED : error);
    result->failed++;
    done++;
    tries = 0;
  }
  result->bytes = at - head;
}

/* Records from head to tail, still queued. */
static uint64_t records_between(const sender *s, uint64_t head, uint64_t tail) {
  uint64_t records = 0;
  uint32_t length, dst;
  for (; next_record(s, &head, tail, &length, &dst); head += align8(RECORD_HEADER + length)) records++;
  return records;
}

static void *run(void *data) {
  sender *s = data;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    while (s->head == s->tail && !s->closed) {
      s->idle = 1;
      pthread_cond_wait(&s->wake, &s->lock);
      s->idle = 0;
    }
    if (s->closed) break;
    uint64_t head = s->head, tail = s->tail;
    pthread_mutex_unlock(&s->lock);
    batch_result result;
    send_batch(s, head, tail, &result);
    pthread_mutex_lock(&s->lock);
    s->head += result.bytes;
    s->sent += result.sent;
    s->retried += result.retried;
    s->failed += result.failed;
    if (result.failed)
      for (int e = 0; e < ERRNOS; e++) s->errors[e] += result.failures[e];
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

/* Stops the thread (its current batch ends without retries) and counts what was left queued. */
static void stop(sender *s) {
  pthread_mutex_lock(&s->lock);
  int was_closed = s->closed;
  __atomic_store_n(&s->closed, 1, __ATOMIC_RELAXED);
  pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&s->lock);
  if (was_closed) return;
  pthread_join(s->thread, NULL);
  close(s->fd);
  uint64_t left = records_between(s, s->head, s->tail);
  s->failed += left;
  s->errors[ECANCELED] += left;
  s->head = s->tail;
}

static void finalize(napi_env env, void *data, void *hint) {
  sender *s = data;
  stop(s);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->wake);
  free(s->ring);
  free(s);
}

/* ---------- JavaScript ---------- */

static sender *get_sender(napi_env env, napi_value value) {
  void *data = NULL;
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &SENDER_TAG, &tagged) != napi_ok || !tagged) return NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  return data;
}

static napi_value open_fn(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], external;
  int64_t size = 0;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || napi_get_value_int64(env, argv[0], &size) != napi_ok || size < MIN_RING) {
    char message[96];
    snprintf(message, sizeof message, "openRawSender: the ring must be a number of bytes >= %d", MIN_RING);
    return throw_problem(env, "EINVAL", message);
  }
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (fd < 0) {
    int error = errno;
    char buffer[128];
    return throw_problem(env, error == EPERM || error == EACCES ? "EPERM" : "ESOCKET",
                strerror_r(error, buffer, sizeof buffer));
  }
  int on = 1;
  setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof on); /* implied by IPPROTO_RAW; said for the reader */
  setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on); /* else ENOBUFS reads as success */
  sender *s = calloc(1, sizeof *s);
  uint8_t *ring = malloc((size_t)size);
  if (!s || !ring) {
    free(s);
    free(ring);
    close(fd);
    return throw_problem(env, "ENOMEM", "openRawSender: out of memory for the ring");
  }
  s->fd = fd;
  s->ring = ring;
  s->size = (uint64_t)size;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->wake, NULL);
  if (pthread_create(&s->thread, NULL, run, s) != 0) {
    close(fd);
    free(ring);
    free(s);
    return throw_problem(env, "ETHREAD", "openRawSender: could not start the sender thread");
  }
  if (napi_create_external(env, s, finalize, NULL, &external) != napi_ok) {
    finalize(env, s, NULL);
    return throw_problem(env, "EINVAL", "openRawSender: could not create the handle");
  }
  /* On failure the external is still finalized (and the thread stopped) by the collector. */
  if (napi_type_tag_object(env, external, &SENDER_TAG) != napi_ok)
    return throw_problem(env, "EINVAL", "openRawSender: could not tag the handle");
  return external;
}

/* rawSend(handle, packet, length): packet[0, length) is a whole IPv4 packet; it goes to its own
   destination address. */
static napi_value send_fn(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  void *data;
  size_t bytes;
  uint32_t length, dst;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sender *s = argc == 3 ? get_sender(env, argv[0]) : NULL;
  if (!s) return throw_problem(env, "EINVAL", "rawSend: expected a raw sender handle");
  CALL(env, napi_get_buffer_info(env, argv[1], &data, &bytes));
  CALL(env, napi_get_value_uint32(env, argv[2], &length));
  if (length > bytes || length > MAX_PACKET || length < 20 || (((uint8_t *)data)[0] >> 4) != 4)
    return throw_problem(env, "EINVAL", "rawSend: expected an IPv4 packet of 20..65535 bytes within the buffer");
  memcpy(&dst, (uint8_t *)data + 16, 4);

  uint64_t need = align8(RECORD_HEADER + length);
  pthread_mutex_lock(&s->lock);
  int queued = 0;
  if (!s->closed) {
    uint64_t tail = s->tail, offset = tail % s->size, room = s->size - (tail - s->head);
    uint64_t skip = s->size - offset < need ? s->size - offset : 0;
    if (room >= skip + need) {
      if (skip >= RECORD_HEADER) {
        uint32_t wrap = WRAP;
        memcpy(s->ring + offset, &wrap, 4);
      }
      uint8_t *at = s->ring + (tail + skip) % s->size;
      memcpy(at, &length, 4);
      memcpy(at + 4, &dst, 4);
      memcpy(at + RECORD_HEADER, data, length);
      s->tail = tail + skip + need;
      queued = 1;
    }
  }
  pthread_mutex_unlock(&s->lock);
  CALL(env, napi_get_boolean(env, queued, &result));
  return result;
}

/* The one argument of `function` as a sender; NULL (an exception thrown) when it is not one. */
static sender *only_sender_argument(napi_env env, napi_callback_info info, const char *function) {
  size_t argc = 1;
  napi_value argv[1];
  sender *s = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1) s = get_sender(env, argv[0]);
  if (!s) {
    char message[96];
    snprintf(message, sizeof message, "%s: expected a raw sender handle", function);
    throw_problem(env, "EINVAL", message);
  }
  return s;
}

static napi_value flush_fn(napi_env env, napi_callback_info info) {
  sender *s = only_sender_argument(env, info, "rawFlush");
  if (!s) return NULL;
  pthread_mutex_lock(&s->lock);
  if (s->idle && s->head != s->tail) pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

static napi_value stats_fn(napi_env env, napi_callback_info info) {
  napi_value result, errors;
  sender *s = only_sender_argument(env, info, "rawSenderStats");
  if (!s) return NULL;
  pthread_mutex_lock(&s->lock);
  uint64_t sent = s->sent, failed = s->failed, retried = s->retried, queued = s->tail - s->head;
  uint64_t counts[ERRNOS];
  memcpy(counts, s->errors, sizeof counts);
  pthread_mutex_unlock(&s->lock);
  CALL(env, napi_create_object(env, &result));
  CALL(env, napi_create_object(env, &errors));
  for (int e = 0; e < ERRNOS; e++) {
    if (!counts[e]) continue;
    char buffer[128];
    const char *message = e == 0 ? "unknown error" : strerror_r(e, buffer, sizeof buffer);
    if (!set_number(env, errors, message, (double)counts[e])) return throw_last(env);
  }
  if (!set_number(env, result, "sent", (double)sent)) return throw_last(env);
  if (!set_number(env, result, "failed", (double)failed)) return throw_last(env);
  if (!set_number(env, result, "retried", (double)retried)) return throw_last(env);
  if (!set_number(env, result, "queued", (double)queued)) return throw_last(env);
  CALL(env, napi_set_named_property(env, result, "errors", errors));
  return result;
}

static napi_value close_fn(napi_env env, napi_callback_info info) {
  sender *s = only_sender_argument(env, info, "closeRawSender");
  if (!s) return NULL;
  stop(s);
  return NULL;
}

napi_status register_raw_sender(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"openRawSender", NULL, open_fn, NULL, NULL, NULL, napi_default, NULL},
      {"rawSend", NULL, send_fn, NULL, NULL, NULL, napi_default, NULL},
      {"rawFlush", NULL, flush_fn, NULL, NULL, NULL, napi_default, NULL},
      {"rawSenderStats", NULL, stats_fn, NULL, NULL, NULL, napi_default, NULL},
      {"closeRawSender", NULL, close_fn, NULL, NULL, NULL, napi_default, NULL},
  };
  return napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
}
