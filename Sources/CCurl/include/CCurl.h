#ifndef POLYPHONY_CCURL_H
#define POLYPHONY_CCURL_H

// libcurl for Swift. curl_easy_setopt and curl_multi_setopt are variadic,
// which Swift cannot call, so each value type gets a typed wrapper here; CURLMsg holds a
// union, so finished transfers are read through one more helper. And a thread namer, because
// pthread_setname_np needs _GNU_SOURCE, which Swift's Glibc module does not define.

#include <curl/curl.h>

/// Calls curl_global_init once per process, however many threads ask; returns its result.
CURLcode ccurl_global_init_once(void);

/// Names the calling thread (up to 15 bytes on Linux) for top -H, gdb and strace.
void ccurl_name_current_thread(const char *name);

/// A CURLOPT_WRITEFUNCTION or CURLOPT_HEADERFUNCTION callback.
typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *context);

CURLcode ccurl_easy_set_long(CURL *easy, CURLoption option, long value);
CURLcode ccurl_easy_set_offset(CURL *easy, CURLoption option, curl_off_t value);
CURLcode ccurl_easy_set_string(CURL *easy, CURLoption option, const char *value);
CURLcode ccurl_easy_set_pointer(CURL *easy, CURLoption option, void *value);
CURLcode ccurl_easy_set_callback(CURL *easy, CURLoption option, ccurl_data_callback callback);

/// Limits a handle to http:// and https:// whatever the URL says.
CURLcode ccurl_easy_allow_only_http(CURL *easy);

CURLMcode ccurl_multi_set_long(CURLM *multi, CURLMoption option, long value);

/// Takes the next finished transfer off the multi handle's message queue.
/// Returns 1 and fills `easy` and `result` when there was one, 0 when the queue is empty.
int ccurl_multi_next_done(CURLM *multi, CURL **easy, CURLcode *result);

#endif
