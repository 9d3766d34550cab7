/*
 * reprise's libpcap binding (N-API + libuv). It does only what src/capture/live.ts and
 * live-injector.ts need:
 *
 *   devices()                          pcap_findalldevs: names, descriptions, addresses, up/loopback
 *   open(device, options, batch, onBatch) -> { handle, linkType, nanosecond }
 *   stats(handle)                      pcap_stats (the last values once closed)
 *   close(handle)                      idempotent; also run by the garbage collector
 *   openInjector(device) -> { handle, linkType }, inject(handle, frame, length)
 *
 * A capture handle is non-blocking; libuv polls its selectable fd. When it is readable, packets
 * are copied into `batch` (one JS buffer, reused) as records of
 *
 *   tsSec u32 | tsFrac u32 (ns, or us when `nanosecond` is false) | caplen u32 | len u32 |
 *   caplen bytes | zero padding to a multiple of 4
 *
 * (u32s little-endian), and onBatch(count, bytes) runs once per full batch or drained socket.
 * JavaScript never runs while pcap_dispatch is on the stack, so onBatch may close the handle.
 *
 * Errors are thrown as Error objects with a `code` naming the problem (the LiveCaptureProblem
 * kinds of live-error.ts) and libpcap's own message.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <node_api.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#include "napi_util.h"

#define RECORD_HEADER 16
#define MAX_SNAP_LENGTH 262144
/* Batches handed to JavaScript per wake-up before other work on the event loop gets a turn. */
#define BATCHES_PER_WAKEUP 8

typedef struct handle {
  pcap_t *pcap;
  napi_env env;
  int injector;
  int closed;
  int finalized;    /* the JS external is gone: free once libuv is done with `poll` */
  int polling;      /* `poll` was initialised and its uv_close has not completed */
  int delivering;   /* onBatch is running: `async` is in use and is destroyed after it returns */
  uv_poll_t poll;
  napi_ref on_batch;
  napi_ref batch_ref;
  napi_async_context async;
  uint8_t *batch;
  size_t batch_size;
  size_t max_record;
  size_t used;
  uint32_t count;
  struct pcap_stat last_stats;
} handle;

static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

static void put_u32(uint8_t *at, uint32_t v) {
  at[0] = (uint8_t)v;
  at[1] = (uint8_t)(v >> 8);
  at[2] = (uint8_t)(v >> 16);
  at[3] = (uint8_t)(v >> 24);
}

/* ---------- arguments ---------- */

static int get_string(napi_env env, napi_value value, char *out, size_t size) {
  size_t length;
  return napi_get_value_string_utf8(env, value, out, size, &length) == napi_ok && length < size - 1;
}

/* Reads object[name] into *value when it is there and of `type`. */
static int get_typed_property(napi_env env, napi_value object, const char *name, napi_valuetype type,
                              napi_value *value) {
  napi_valuetype actual;
  return napi_get_named_property(env, object, name, value) == napi_ok &&
         napi_typeof(env, *value, &actual) == napi_ok && actual == type;
}

static int32_t get_int_property(napi_env env, napi_value object, const char *name, int32_t fallback) {
  napi_value value;
  int32_t result;
  if (!get_typed_property(env, object, name, napi_number, &value)) return fallback;
  return napi_get_value_int32(env, value, &result) == napi_ok ? result : fallback;
}

static int get_bool_property(napi_env env, napi_value object, const char *name, int fallback) {
  napi_value value;
  bool result;
  if (!get_typed_property(env, object, name, napi_boolean, &value)) return fallback;
  return napi_get_value_bool(env, value, &result) == napi_ok ? result : fallback;
}

static handle *get_handle(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  return (handle *)data;
}

/* ---------- results ---------- */

static napi_value set_string(napi_env env, napi_value object, const char *name, const char *value) {
  napi_value string;
  if (napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &string) != napi_ok) return NULL;
  if (napi_set_named_property(env, object, name, string) != napi_ok) return NULL;
  return object;
}

static napi_value set_bool(napi_env env, napi_value object, const char *name, int value) {
  napi_value boolean;
  if (napi_get_boolean(env, value != 0, &boolean) != napi_ok) return NULL;
  if (napi_set_named_property(env, object, name, boolean) != napi_ok) return NULL;
  return object;
}

/* ---------- devices ---------- */

static napi_value address_strings(napi_env env, pcap_addr_t *addresses) {
  napi_value list;
  uint32_t n = 0;
  char text[INET6_ADDRSTRLEN];
  if (napi_create_array(env, &list) != napi_ok) return NULL;
  for (pcap_addr_t *a = addresses; a; a = a->next) {
    const void *raw = NULL;
    if (!a->addr) continue;
    if (a->addr->sa_family == AF_INET) raw = &((struct sockaddr_in *)a->addr)->sin_addr;
    else if (a->addr->sa_family == AF_INET6) raw = &((struct sockaddr_in6 *)a->addr)->sin6_addr;
    if (!raw || !inet_ntop(a->addr->sa_family, raw, text, sizeof text)) continue;
    napi_value s;
    if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &s) != napi_ok) return NULL;
    if (napi_set_element(env, list, n++, s) != napi_ok) return NULL;
  }
  return list;
}

static napi_value devices(napi_env env, napi_callback_info info) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_if_t *all = NULL;
  napi_value list = NULL;
  uint32_t n = 0;
  (void)info;
  if (pcap_findalldevs(&all, errbuf) != 0) return throw_problem(env, "open-failed", errbuf);
  if (napi_create_array(env, &list) != napi_ok) goto fail;
  for (pcap_if_t *d = all; d; d = d->next) {
    napi_value device, addresses;
    if (napi_create_object(env, &device) != napi_ok) goto fail;
    if (!set_string(env, device, "name", d->name)) goto fail;
    if (d->description && !set_string(env, device, "description", d->description)) goto fail;
    if (!(addresses = address_strings(env, d->addresses))) goto fail;
    if (napi_set_named_property(env, device, "addresses", addresses) != napi_ok) goto fail;
    if (!set_bool(env, device, "up", d->flags & PCAP_IF_UP)) goto fail;
    if (!set_bool(env, device, "loopback", d->flags & PCAP_IF_LOOPBACK)) goto fail;
    if (napi_set_element(env, list, n++, device) != napi_ok) goto fail;
  }
  pcap_freealldevs(all);
  return list;
fail:
  pcap_freealldevs(all);
  return throw_last(env);
}

/* ---------- closing ---------- */

static void free_when_done(handle *h) {
  if (h->closed && h->finalized && !h->polling) free(h);
}

static void on_poll_closed(uv_handle_t *poll) {
  handle *h = (handle *)poll->data;
  h->polling = 0;
  free_when_done(h);
}

/* Stops polling, keeps the final statistics, closes libpcap. Safe to call twice. */
static void close_handle(handle *h) {
  if (h->closed) return;
  h->closed = 1;
  if (h->polling) {
    uv_poll_stop(&h->poll);
    uv_close((uv_handle_t *)&h->poll, on_poll_closed);
  }
  if (h->pcap) {
    if (!h->injector) pcap_stats(h->pcap, &h->last_stats);
    pcap_close(h->pcap);
    h->pcap = NULL;
  }
  if (h->on_batch) napi_delete_reference(h->env, h->on_batch);
  if (h->batch_ref) napi_delete_reference(h->env, h->batch_ref);
  if (h->async && !h->delivering) {
    napi_async_destroy(h->env, h->async);
    h->async = NULL;
  }
  h->on_batch = h->batch_ref = NULL;
  h->batch = NULL;
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  handle *h = (handle *)data;
  (void)env;
  (void)hint;
  close_handle(h);
  h->finalized = 1;
  free_when_done(h);
}

static napi_value close_fn(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = argc == 1 ? get_handle(env, argv[0]) : NULL;
  if (!h) return throw_problem(env, "open-failed", "close: expected a capture handle");
  close_handle(h);
  return NULL;
}

/* ---------- opening ---------- */

static const char *problem_of(int status) {
  switch (status) {
  case PCAP_ERROR_PERM_DENIED:
  case PCAP_ERROR_PROMISC_PERM_DENIED:
    return "no-privilege";
  case PCAP_ERROR_NO_SUCH_DEVICE:
    return "unknown-device";
  case PCAP_ERROR_IFACE_NOT_UP:
    return "device-down";
  default:
    return "open-failed";
  }
}

/* Throws the activation failure, with libpcap's detailed message when it gave one. */
static napi_value throw_activation(napi_env env, pcap_t *pcap, int status) {
  char message[PCAP_ERRBUF_SIZE + 64];
  const char *detail = pcap_geterr(pcap);
  if (detail && detail[0]) snprintf(message, sizeof message, "%s", detail);
  else snprintf(message, sizeof message, "%s", pcap_statustostr(status));
  pcap_close(pcap);
  return throw_problem(env, problem_of(status), message);
}

static pcap_t *create(napi_env env, const char *device, int snap_length, int buffer_size) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *pcap = pcap_create(device, errbuf);
  if (!pcap) {
    throw_problem(env, "open-failed", errbuf);
    return NULL;
  }
  pcap_set_snaplen(pcap, snap_length);
  pcap_set_buffer_size(pcap, buffer_size);
  return pcap;
}

/* Sets the BPF filter; on failure throws 'bad-filter' and closes `pcap`. */
static int apply_filter(napi_env env, pcap_t *pcap, const char *filter) {
  struct bpf_program program;
  char message[PCAP_ERRBUF_SIZE + 64];
  int status = pcap_compile(pcap, &program, filter, 1, PCAP_NETMASK_UNKNOWN);
  if (status == 0) {
    status = pcap_setfilter(pcap, &program);
    pcap_freecode(&program);
  }
  if (status != 0) {
    snprintf(message, sizeof message, "%s", pcap_geterr(pcap));
    pcap_close(pcap);
    throw_problem(env, "bad-filter", message);
    return 0;
  }
  return 1;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *header, const u_char *bytes) {
  handle *h = (handle *)user;
  size_t size = RECORD_HEADER + pad4(header->caplen);
  uint8_t *at = h->batch + h->used;
  /* dispatch() asks for no more packets than fit; this guards against a caplen above the snap length. */
  if (h->used + size > h->batch_size) return;
  put_u32(at, (uint32_t)header->ts.tv_sec);
  put_u32(at + 4, (uint32_t)header->ts.tv_usec);
  put_u32(at + 8, header->caplen);
  put_u32(at + 12, header->len);
  memcpy(at + RECORD_HEADER, bytes, header->caplen);
  memset(at + RECORD_HEADER + header->caplen, 0, size - RECORD_HEADER - header->caplen);
  h->used += size;
  h->count++;
}

/* Calls onBatch(count, bytes) or, for a capture error, onBatch(-1, message). */
static void deliver(handle *h, int32_t count, const char *error) {
  napi_env env = h->env;
  napi_value callback, global, argv[2], result, exception;
  bool pending = false;
  if (napi_get_reference_value(env, h->on_batch, &callback) != napi_ok || !callback) return;
  napi_get_global(env, &global);
  napi_create_int32(env, count, &argv[0]);
  if (error) napi_create_string_utf8(env, error, NAPI_AUTO_LENGTH, &argv[1]);
  else napi_create_uint32(env, (uint32_t)h->used, &argv[1]);
  h->used = 0;
  h->count = 0;
  h->delivering = 1;
  napi_make_callback(env, h->async, global, callback, 2, argv, &result);
  h->delivering = 0;
  if (h->closed && h->async) {
    napi_async_destroy(env, h->async);
    h->async = NULL;
  }
  napi_is_exception_pending(env, &pending);
  if (pending && napi_get_and_clear_last_exception(env, &exception) == napi_ok)
    napi_fatal_exception(env, exception);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  handle *h = (handle *)poll->data;
  napi_handle_scope scope;
  (void)events;
  if (h->closed) return;
  napi_open_handle_scope(h->env, &scope);
  if (status < 0) {
    char message[128];
    snprintf(message, sizeof message, "polling the capture failed: %s", uv_strerror(status));
    uv_poll_stop(poll);
    deliver(h, -1, message);
  } else {
    for (int batches = 0; batches < BATCHES_PER_WAKEUP && !h->closed;) {
      int room = (int)((h->batch_size - h->used) / h->max_record);
      int got = room > 0 ? pcap_dispatch(h->pcap, room, on_packet, (u_char *)h) : 0;
      if (got < 0 && got != PCAP_ERROR_BREAK) {
        char message[PCAP_ERRBUF_SIZE + 32];
        snprintf(message, sizeof message, "%s", pcap_geterr(h->pcap));
        uv_poll_stop(poll);
        if (h->count > 0) deliver(h, (int32_t)h->count, NULL);
        if (!h->closed) deliver(h, -1, message);
        break;
      }
      if (room > 0 && got > 0 && h->batch_size - h->used >= h->max_record) continue;
      if (h->count > 0) {
        deliver(h, (int32_t)h->count, NULL);
        batches++;
      }
      if (got <= 0) break;
    }
  }
  napi_close_handle_scope(h->env, scope);
}

/* Takes ownership of `pcap` and wraps it as a JS external; NULL (with an exception) on failure. */
static handle *new_handle(napi_env env, pcap_t *pcap, int injector, napi_value *external) {
  handle *h = calloc(1, sizeof *h);
  if (!h) {
    pcap_close(pcap);
    throw_problem(env, "open-failed", "out of memory");
    return NULL;
  }
  h->pcap = pcap;
  h->env = env;
  h->injector = injector;
  h->poll.data = h;
  if (napi_create_external(env, h, finalize_handle, NULL, external) != napi_ok) {
    close_handle(h);
    free(h);
    throw_last(env);
    return NULL;
  }
  return h;
}

/* open(device, { snapLength, bufferSize, timeoutMs, immediate, promiscuous, filter }, batch, onBatch) */
static napi_value open_fn(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], result, external, name;
  char device[256], filter[8192];
  void *batch;
  size_t batch_size;
  uv_loop_t *loop;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 4) return throw_problem(env, "open-failed", "open: expected 4 arguments");
  if (!get_string(env, argv[0], device, sizeof device))
    return throw_problem(env, "open-failed", "open: the device name must be a string under 256 bytes");
  napi_value filter_value;
  CALL(env, napi_get_named_property(env, argv[1], "filter", &filter_value));
  if (!get_string(env, filter_value, filter, sizeof filter))
    return throw_problem(env, "bad-filter", "open: the filter must be a string under 8192 bytes");
  int snap_length = get_int_property(env, argv[1], "snapLength", MAX_SNAP_LENGTH);
  int buffer_size = get_int_property(env, argv[1], "bufferSize", 2 * 1024 * 1024);
  int timeout_ms = get_int_property(env, argv[1], "timeoutMs", 100);
  int immediate = get_bool_property(env, argv[1], "immediate", 1);
  int promiscuous = get_bool_property(env, argv[1], "promiscuous", 1);
  if (snap_length < 1 || snap_length > MAX_SNAP_LENGTH)
    return throw_problem(env, "open-failed", "open: snap length out of range");
  CALL(env, napi_get_buffer_info(env, argv[2], &batch, &batch_size));
  size_t max_record = RECORD_HEADER + pad4((size_t)snap_length);
  if (batch_size < max_record) return throw_problem(env, "open-failed", "open: batch buffer smaller than one record");

  pcap_t *pcap = create(env, device, snap_length, buffer_size);
  if (!pcap) return NULL;
  pcap_set_promisc(pcap, promiscuous);
  pcap_set_timeout(pcap, timeout_ms);
  pcap_set_immediate_mode(pcap, immediate);
  pcap_set_tstamp_precision(pcap, PCAP_TSTAMP_PRECISION_NANO); /* falls back to micro if refused */
  int status = pcap_activate(pcap);
  if (status < 0) return throw_activation(env, pcap, status);
  if (!apply_filter(env, pcap, filter)) return NULL;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  int fd = pcap_get_selectable_fd(pcap);
  if (pcap_setnonblock(pcap, 1, errbuf) != 0 || fd < 0) {
    pcap_close(pcap);
    return throw_problem(env, "open-failed", errbuf[0] ? errbuf : "the capture has no selectable file descriptor");
  }

  handle *h = new_handle(env, pcap, 0, &external);
  if (!h) return NULL;
  h->batch = batch;
  h->batch_size = batch_size;
  h->max_record = max_record;
  napi_value resource;
  CALL(env, napi_create_object(env, &resource));
  CALL(env, napi_create_string_utf8(env, "reprise.pcap", NAPI_AUTO_LENGTH, &name));
  CALL(env, napi_async_init(env, resource, name, &h->async));
  CALL(env, napi_create_reference(env, argv[3], 1, &h->on_batch));
  CALL(env, napi_create_reference(env, argv[2], 1, &h->batch_ref));
  CALL(env, napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &h->poll, fd) != 0 || uv_poll_start(&h->poll, UV_READABLE, on_readable) != 0) {
    close_handle(h);
    return throw_problem(env, "open-failed", "cannot watch the capture's file descriptor");
  }
  h->polling = 1;

  CALL(env, napi_create_object(env, &result));
  CALL(env, napi_set_named_property(env, result, "handle", external));
  if (!set_number(env, result, "linkType", pcap_datalink(pcap))) return throw_last(env);
  if (!set_bool(env, result, "nanosecond", pcap_get_tstamp_precision(pcap) == PCAP_TSTAMP_PRECISION_NANO))
    return throw_last(env);
  return result;
}

static napi_value stats_fn(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = argc == 1 ? get_handle(env, argv[0]) : NULL;
  if (!h || h->injector) return throw_problem(env, "open-failed", "stats: expected a capture handle");
  if (!h->closed && pcap_stats(h->pcap, &h->last_stats) != 0)
    return throw_problem(env, "open-failed", pcap_geterr(h->pcap));
  CALL(env, napi_create_object(env, &result));
  if (!set_number(env, result, "received", h->last_stats.ps_recv)) return throw_last(env);
  if (!set_number(env, result, "dropped", h->last_stats.ps_drop)) return throw_last(env);
  if (!set_number(env, result, "ifDropped", h->last_stats.ps_ifdrop)) return throw_last(env);
  return result;
}

/* ---------- injecting ---------- */

/* A handle that sends and captures nothing: small buffers, and a filter no packet matches. */
static napi_value open_injector_fn(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, external;
  char device[256];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || !get_string(env, argv[0], device, sizeof device))
    return throw_problem(env, "open-failed", "openInjector: the device name must be a string under 256 bytes");
  pcap_t *pcap = create(env, device, 128, 64 * 1024);
  if (!pcap) return NULL;
  int status = pcap_activate(pcap);
  if (status < 0) return throw_activation(env, pcap, status);
  if (!apply_filter(env, pcap, "less 1")) return NULL;
  if (!new_handle(env, pcap, 1, &external)) return NULL;
  CALL(env, napi_create_object(env, &result));
  CALL(env, napi_set_named_property(env, result, "handle", external));
  if (!set_number(env, result, "linkType", pcap_datalink(pcap))) return throw_last(env);
  return result;
}

/* inject(handle, frame, length): sends frame[0, length) as is; throws libpcap's message on failure. */
static napi_value inject_fn(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *data;
  size_t size;
  uint32_t length;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = argc == 3 ? get_handle(env, argv[0]) : NULL;
  if (!h || !h->injector) return throw_problem(env, "open-failed", "inject: expected an injector handle");
  if (h->closed) return throw_problem(env, "open-failed", "inject: the injector is closed");
  CALL(env, napi_get_buffer_info(env, argv[1], &data, &size));
  CALL(env, napi_get_value_uint32(env, argv[2], &length));
  if (length > size) return throw_problem(env, "open-failed", "inject: length is beyond the frame buffer");
  if (pcap_inject(h->pcap, data, length) < 0) return throw_problem(env, "open-failed", pcap_geterr(h->pcap));
  return NULL;
}

/* ---------- module ---------- */

napi_status register_raw_sender(napi_env env, napi_value exports); /* raw_sender.c */

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor functions[] = {
      {"devices", NULL, devices, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, open_fn, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, stats_fn, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_fn, NULL, NULL, NULL, napi_default, NULL},
      {"openInjector", NULL, open_injector_fn, NULL, NULL, NULL, napi_default, NULL},
      {"inject", NULL, inject_fn, NULL, NULL, NULL, napi_default, NULL},
  };
  CALL(env, napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions));
  CALL(env, register_raw_sender(env, exports));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
