/* N-API helpers shared by the capture binding (reprise_pcap.c) and the raw sender (raw_sender.c). */
#ifndef REPRISE_NAPI_UTIL_H
#define REPRISE_NAPI_UTIL_H

#include <node_api.h>
#include <stdbool.h>

/* Throws an Error with `code` (err.code in JavaScript) and `message`; NULL, for `return`. */
static inline napi_value throw_problem(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

/* Throws N-API's own account of the call that just failed, unless an exception is pending. */
static inline napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    napi_get_last_error_info(env, &info);
    napi_throw_error(env, "open-failed", info && info->error_message ? info->error_message : "N-API call failed");
  }
  return NULL;
}

#define CALL(env, call)                                                                            \
  do {                                                                                             \
    if ((call) != napi_ok) return throw_last(env);                                                 \
  } while (0)

/* object[name] = value as a number; NULL when N-API failed (see throw_last). */
static inline napi_value set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_value number;
  if (napi_create_double(env, value, &number) != napi_ok) return NULL;
  if (napi_set_named_property(env, object, name, number) != napi_ok) return NULL;
  return object;
}

#endif
