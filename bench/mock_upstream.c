// mock_upstream: the upstream every benchmark in bench/ measures against, in OpenAI's wire and in
// Anthropic's. One thread, epoll, keep-alive and pipelining. Every response is built once at
// start, so the mock costs a few syscalls per request and the figures measure whatever sits in
// front of it.
//
//   POST /v1/chat/completions  a chat.completion; with "stream": true an SSE stream (chunked):
//                              CHUNKS content chunks, a finish chunk, a usage chunk when
//                              stream_options.include_usage is true, then data: [DONE]
//   POST /v1/messages          an Anthropic Message; with "stream": true its named SSE events:
//                              message_start (with usage), content_block_start, CHUNKS
//                              content_block_delta (text_delta), content_block_stop,
//                              message_delta (with usage), message_stop
//   GET  /v1/models            the model list
//
// Paced (-d), both streams take the same time: the first write carries the first content (for
// Messages: message_start, content_block_start and the first delta, as the API sends them in one
// burst), then one write every DELAY_US: the other content events, then content_block_stop /
// the finish chunk, message_delta / the usage chunk, message_stop / [DONE].
//
// usage: mock_upstream [-p PORT] [-n CHUNKS] [-d DELAY_US]
//   -p  port on 127.0.0.1 (default 0: any free port); "listening 127.0.0.1:PORT" goes to stdout
//   -n  content chunks per stream (default 20)
//   -d  microseconds between a stream's chunks (default 0: the whole stream in one write)
// Build: cc -O2 -o mock_upstream mock_upstream.c (bench/lib.sh does, into its cache).
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum {
  kMaxHeaderBytes = 64 * 1024,
  kMaxBodyBytes = 16 * 1024 * 1024,
  // Past this much unsent output a connection stops reading, so a client that pipelines without
  // reading cannot grow the mock without bound.
  kOutputHighWater = 1024 * 1024,
  kMaxChunks = 100000,
};
static const long kMaxDelayUs = 10L * 1000 * 1000;

typedef struct {
  char* data;
  size_t begin; // bytes before this offset were already consumed
  size_t end;
  size_t capacity;
} Buffer;

static void die(const char* what) {
  perror(what);
  exit(1);
}

static size_t bufferSize(const Buffer* b) { return b->end - b->begin; }

static void bufferReserve(Buffer* b, size_t extra) {
  if (b->begin > 0 && b->capacity - b->end < extra) {
    memmove(b->data, b->data + b->begin, bufferSize(b));
    b->end -= b->begin;
    b->begin = 0;
  }
  if (b->capacity - b->end >= extra) {
    return;
  }
  size_t capacity = b->capacity ? b->capacity : 4096;
  while (capacity - b->end < extra) {
    capacity *= 2;
  }
  b->data = realloc(b->data, capacity);
  if (b->data == NULL) {
    die("realloc");
  }
  b->capacity = capacity;
}

static void bufferAppend(Buffer* b, const char* data, size_t size) {
  bufferReserve(b, size);
  memcpy(b->data + b->end, data, size);
  b->end += size;
}

static void bufferVFormat(Buffer* b, const char* format, va_list args) {
  va_list copy;
  va_copy(copy, args);
  int size = vsnprintf(NULL, 0, format, copy);
  va_end(copy);
  bufferReserve(b, (size_t)size + 1);
  vsnprintf(b->data + b->end, (size_t)size + 1, format, args);
  b->end += (size_t)size;
}

static void bufferFormat(Buffer* b, const char* format, ...) {
  va_list args;
  va_start(args, format);
  bufferVFormat(b, format, args);
  va_end(args);
}

static void bufferConsume(Buffer* b, size_t size) {
  b->begin += size;
  if (b->begin == b->end) {
    b->begin = b->end = 0;
  }
}

// ---- the canned responses ----------------------------------------------------------------------

static const char* const kWords[] = {
    "A",        " gateway",  " in",     " front",   " of",     " a",        " model",  " should",
    " cost",    " less",     " than",   " the",     " network", " between", " them:",  " parse",
    " once,",   " copy",     " little", ",",        " and",    " write",    " every",  " chunk",
    " the",     " moment",   " it",     " arrives", "."};
enum { kWordCount = sizeof kWords / sizeof kWords[0] };
enum { kPromptTokens = 24 };
#define COMMON_FIELDS "\"id\":\"chatcmpl-turnpike-bench\",\"created\":1700000000,\"model\":\"gpt-4o-mini\""
#define MESSAGE_FIELDS "\"id\":\"msg_turnpike_bench\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"bench-claude\""

// One streamed answer: the writes of a paced stream, in order, and all of them at once.
typedef struct {
  Buffer* events; // each is one write: one or more HTTP chunks; the last ends with the last chunk
  int eventCount;
  int skipEvent; // an event this stream leaves out (-1: none)
  Buffer whole;  // head and every event: what delay 0 sends
} Stream;

typedef struct {
  Buffer completion;
  Buffer message;
  Buffer models;
  Buffer notFound;
  Buffer badRequest;
  Buffer continue100;
  Buffer streamHead;
  // Chat: content 0..n-1, finish n, usage n+1, [DONE] n+2; without usage the same events but n+1.
  Stream chat;
  Stream chatNoUsage;
  // Messages: message_start + content_block_start + delta 0, deltas 1..n-1, content_block_stop n,
  // message_delta n+1, message_stop n+2.
  Stream messages;
} Responses;

static Responses responses;
static int chunkCount = 20;
static long delayUs = 0;

static void jsonResponse(Buffer* out, const char* status, const char* body, int close) {
  bufferFormat(out,
               "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n%s",
               status, strlen(body), close ? "Connection: close\r\n" : "", body);
}

static void httpChunk(Buffer* out, const Buffer* payload) {
  bufferFormat(out, "%zx\r\n", bufferSize(payload));
  bufferAppend(out, payload->data, bufferSize(payload));
  bufferAppend(out, "\r\n", 2);
}

// Appends to `out` one HTTP chunk holding the SSE event NAME whose data is the formatted JSON.
static void namedEvent(Buffer* out, const char* name, const char* format, ...) {
  Buffer event = {0};
  bufferFormat(&event, "event: %s\ndata: ", name);
  va_list args;
  va_start(args, format);
  bufferVFormat(&event, format, args);
  va_end(args);
  bufferAppend(&event, "\n\n", 2);
  httpChunk(out, &event);
  free(event.data);
}

static void buildWhole(Stream* s) {
  bufferAppend(&s->whole, responses.streamHead.data, bufferSize(&responses.streamHead));
  for (int i = 0; i < s->eventCount; ++i) {
    if (i != s->skipEvent) {
      bufferAppend(&s->whole, s->events[i].data, bufferSize(&s->events[i]));
    }
  }
}

static Buffer* allocateEvents(int count) {
  Buffer* events = calloc((size_t)count, sizeof(Buffer));
  if (events == NULL) {
    die("calloc");
  }
  return events;
}

static void buildMessages(const Buffer* text) {
  Buffer body = {0};
  bufferFormat(&body,
               "{" MESSAGE_FIELDS ",\"content\":[{\"type\":\"text\",\"text\":\"%.*s\"}],"
               "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
               "\"usage\":{\"input_tokens\":%d,\"output_tokens\":%d}}",
               (int)bufferSize(text), text->data, kPromptTokens, 3 * kWordCount);
  bufferAppend(&body, "", 1);
  jsonResponse(&responses.message, "200 OK", body.data, 0);
  free(body.data);

  Stream* s = &responses.messages;
  s->eventCount = chunkCount + 3;
  s->skipEvent = -1;
  s->events = allocateEvents(s->eventCount);
  namedEvent(&s->events[0], "message_start",
             "{\"type\":\"message_start\",\"message\":{" MESSAGE_FIELDS ",\"content\":[],"
             "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":%d,\"output_tokens\":1}}}",
             kPromptTokens);
  namedEvent(&s->events[0], "content_block_start",
             "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
  for (int i = 0; i < chunkCount; ++i) {
    namedEvent(&s->events[i], "content_block_delta",
               "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"%s\"}}",
               kWords[i % kWordCount]);
  }
  namedEvent(&s->events[chunkCount], "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
  namedEvent(&s->events[chunkCount + 1], "message_delta",
             "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
             "\"usage\":{\"output_tokens\":%d}}",
             chunkCount);
  namedEvent(&s->events[chunkCount + 2], "message_stop", "{\"type\":\"message_stop\"}");
  bufferAppend(&s->events[chunkCount + 2], "0\r\n\r\n", 5);
  buildWhole(s);
}

static void buildResponses(void) {
  Buffer text = {0};
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kWordCount; ++i) {
      bufferFormat(&text, "%s%s", round > 0 && i == 0 ? " " : "", kWords[i]);
    }
  }
  Buffer body = {0};
  bufferFormat(&body,
               "{" COMMON_FIELDS ",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
               "\"message\":{\"role\":\"assistant\",\"content\":\"%.*s\"},\"finish_reason\":\"stop\"}],"
               "\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}}",
               (int)bufferSize(&text), text.data, kPromptTokens, 3 * kWordCount,
               kPromptTokens + 3 * kWordCount);
  bufferAppend(&body, "", 1);
  jsonResponse(&responses.completion, "200 OK", body.data, 0);
  jsonResponse(&responses.models, "200 OK",
               "{\"object\":\"list\",\"data\":["
               "{\"id\":\"gpt-4o-mini\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"mock\"},"
               "{\"id\":\"gpt-4o\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"mock\"}]}",
               0);
  jsonResponse(&responses.notFound, "404 Not Found",
               "{\"error\":{\"message\":\"unknown route\",\"type\":\"invalid_request_error\","
               "\"code\":\"not_found\",\"param\":null}}",
               0);
  jsonResponse(&responses.badRequest, "400 Bad Request",
               "{\"error\":{\"message\":\"malformed or oversized request\","
               "\"type\":\"invalid_request_error\",\"code\":\"bad_request\",\"param\":null}}",
               1);
  bufferFormat(&responses.continue100, "HTTP/1.1 100 Continue\r\n\r\n");
  bufferFormat(&responses.streamHead,
               "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
               "Transfer-Encoding: chunked\r\n\r\n");

  Stream* chat = &responses.chat;
  chat->eventCount = chunkCount + 3;
  chat->skipEvent = -1;
  chat->events = allocateEvents(chat->eventCount);
  for (int i = 0; i < chat->eventCount; ++i) {
    Buffer event = {0};
    if (i < chunkCount) {
      bufferFormat(&event,
                   "data: {" COMMON_FIELDS ",\"object\":\"chat.completion.chunk\",\"choices\":[{"
                   "\"index\":0,\"delta\":{%s\"content\":\"%s\"},\"finish_reason\":null}]}\n\n",
                   i == 0 ? "\"role\":\"assistant\"," : "", kWords[i % kWordCount]);
    } else if (i == chunkCount) {
      bufferFormat(&event, "data: {" COMMON_FIELDS ",\"object\":\"chat.completion.chunk\",\"choices\":"
                           "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    } else if (i == chunkCount + 1) {
      bufferFormat(&event,
                   "data: {" COMMON_FIELDS ",\"object\":\"chat.completion.chunk\",\"choices\":[],"
                   "\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n",
                   kPromptTokens, chunkCount, kPromptTokens + chunkCount);
    } else {
      bufferFormat(&event, "data: [DONE]\n\n");
    }
    httpChunk(&chat->events[i], &event);
    free(event.data);
  }
  bufferAppend(&chat->events[chunkCount + 2], "0\r\n\r\n", 5);
  buildWhole(chat);
  responses.chatNoUsage = (Stream){.events = chat->events, .eventCount = chat->eventCount,
                                   .skipEvent = chunkCount + 1};
  buildWhole(&responses.chatNoUsage);

  buildMessages(&text);
  free(text.data);
  free(body.data);
}

// ---- connections and paced streams -------------------------------------------------------------

typedef struct {
  int fd;
  Buffer in;
  Buffer out;
  unsigned interest;    // the epoll events registered now
  int closeWhenFlushed; // no further request is served (Connection: close, a bad request)
  int inputClosed;      // the client shut its side: close once everything it sent is answered
  int continueSent;     // "100 Continue" already sent for the request being received
  int nextEvent;        // the next event of a paced stream, -1 when none is in flight
  const Stream* stream; // the paced stream in flight
  long long dueUs;
  size_t heapIndex;
} Connection;

static int epollFd;
static int timerFd;
static long long timerArmedUs = -1;
static Buffer chunkedBody; // scratch for a decoded chunked request body (one thread)

// Paced streams, earliest due first: with thousands of open streams only the due ones are visited.
static Connection** heap;
static size_t heapSize;
static size_t heapCapacity;

static long long nowUs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void heapSet(size_t i, Connection* c) {
  heap[i] = c;
  c->heapIndex = i;
}

static void heapSiftUp(size_t i) {
  Connection* c = heap[i];
  while (i > 0 && heap[(i - 1) / 2]->dueUs > c->dueUs) {
    heapSet(i, heap[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  heapSet(i, c);
}

static void heapSiftDown(size_t i) {
  Connection* c = heap[i];
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= heapSize) {
      break;
    }
    if (child + 1 < heapSize && heap[child + 1]->dueUs < heap[child]->dueUs) {
      ++child;
    }
    if (heap[child]->dueUs >= c->dueUs) {
      break;
    }
    heapSet(i, heap[child]);
    i = child;
  }
  heapSet(i, c);
}

static void heapPush(Connection* c) {
  if (heapSize == heapCapacity) {
    heapCapacity = heapCapacity ? 2 * heapCapacity : 256;
    heap = realloc(heap, heapCapacity * sizeof *heap);
    if (heap == NULL) {
      die("realloc");
    }
  }
  heapSet(heapSize++, c);
  heapSiftUp(heapSize - 1);
}

static void heapRemove(Connection* c) {
  size_t i = c->heapIndex;
  Connection* last = heap[--heapSize];
  if (i == heapSize) {
    return;
  }
  heapSet(i, last);
  heapSiftUp(i);
  heapSiftDown(last->heapIndex);
}

// The timer fires when the earliest paced stream is due; armed only when that moment changes.
static void armTimer(void) {
  long long due = heapSize ? heap[0]->dueUs : 0;
  if (due == timerArmedUs) {
    return;
  }
  struct itimerspec spec = {0};
  spec.it_value.tv_sec = due / 1000000;
  spec.it_value.tv_nsec = (due % 1000000) * 1000;
  if (timerfd_settime(timerFd, TFD_TIMER_ABSTIME, &spec, NULL) != 0) {
    die("timerfd_settime");
  }
  timerArmedUs = due;
}

static void closeConnection(Connection* c) {
  if (c->nextEvent >= 0) {
    heapRemove(c);
  }
  close(c->fd);
  free(c->in.data);
  free(c->out.data);
  free(c);
}

static void updateInterest(Connection* c) {
  unsigned wanted = 0;
  if (bufferSize(&c->out) > 0) {
    wanted |= EPOLLOUT;
  }
  if (!c->closeWhenFlushed && !c->inputClosed && bufferSize(&c->out) < kOutputHighWater &&
      bufferSize(&c->in) < kMaxHeaderBytes + kMaxBodyBytes) {
    wanted |= EPOLLIN;
  }
  if (wanted != c->interest) {
    struct epoll_event event = {.events = wanted, .data.ptr = c};
    epoll_ctl(epollFd, EPOLL_CTL_MOD, c->fd, &event);
    c->interest = wanted;
  }
}

// Writes what it can now and keeps the rest: the common case (an idle connection, one response)
// is one write() from the canned response, with no copy.
static void sendBytes(Connection* c, const char* data, size_t size) {
  if (bufferSize(&c->out) == 0) {
    ssize_t written = write(c->fd, data, size);
    if (written > 0) {
      data += written;
      size -= (size_t)written;
    }
  }
  if (size > 0) {
    bufferAppend(&c->out, data, size);
  }
}

static void sendBuffer(Connection* c, const Buffer* b) { sendBytes(c, b->data + b->begin, bufferSize(b)); }

// Returns -1 when the connection has failed and must be closed.
static int flush(Connection* c) {
  while (bufferSize(&c->out) > 0) {
    ssize_t written = write(c->fd, c->out.data + c->out.begin, bufferSize(&c->out));
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno == EAGAIN ? 0 : -1;
    }
    bufferConsume(&c->out, (size_t)written);
  }
  return 0;
}

// ---- request parsing ---------------------------------------------------------------------------

static const char* findBytes(const char* data, size_t size, const char* needle) {
  return memmem(data, size, needle, strlen(needle));
}

static int hasTokenIgnoringCase(const char* value, size_t size, const char* token) {
  size_t length = strlen(token);
  for (size_t i = 0; i + length <= size; ++i) {
    if (strncasecmp(value + i, token, length) == 0) {
      return 1;
    }
  }
  return 0;
}

// True when `"key"` is followed by `: true`. A scan, not a JSON parser: the bodies come from our
// scripts and the gateways in front of the mock, and the mock must stay cheap.
static int jsonKeyIsTrue(const char* body, size_t size, const char* quotedKey) {
  const char* end = body + size;
  size_t keyLength = strlen(quotedKey);
  for (const char* p = body; (p = memmem(p, (size_t)(end - p), quotedKey, keyLength)) != NULL;) {
    p += keyLength;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
      ++p;
    }
    if (p == end || *p != ':') {
      continue;
    }
    ++p;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
      ++p;
    }
    if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
      return 1;
    }
  }
  return 0;
}

// Decodes a chunked body into chunkedBody. Returns the bytes it spans (trailers included), 0 while
// incomplete, -1 when malformed or too large.
static long decodeChunked(const char* data, size_t size) {
  chunkedBody.begin = chunkedBody.end = 0;
  size_t at = 0;
  for (;;) {
    const char* lineEnd = findBytes(data + at, size - at, "\r\n");
    if (lineEnd == NULL) {
      return size - at > 1024 ? -1 : 0;
    }
    char* digitsEnd;
    unsigned long length = strtoul(data + at, &digitsEnd, 16);
    if (digitsEnd == data + at || length > kMaxBodyBytes ||
        bufferSize(&chunkedBody) + length > kMaxBodyBytes) {
      return -1;
    }
    at = (size_t)(lineEnd - data) + 2;
    if (at + length > kMaxBodyBytes + kMaxHeaderBytes) {
      return -1; // framing that would not fit in the input buffer's bound
    }
    if (length == 0) {
      for (;;) {
        const char* trailerEnd = findBytes(data + at, size - at, "\r\n");
        if (trailerEnd == NULL) {
          return 0;
        }
        size_t trailerLength = (size_t)(trailerEnd - (data + at));
        at += trailerLength + 2;
        if (trailerLength == 0) {
          return (long)at;
        }
      }
    }
    if (size - at < length + 2) {
      return 0;
    }
    bufferAppend(&chunkedBody, data + at, length);
    at += length + 2;
  }
}

static void startStream(Connection* c, const Stream* stream) {
  if (delayUs == 0) {
    sendBuffer(c, &stream->whole);
    return;
  }
  sendBuffer(c, &responses.streamHead);
  sendBuffer(c, &stream->events[0]);
  c->nextEvent = 1;
  c->stream = stream;
  c->dueUs = nowUs() + delayUs;
  heapPush(c);
}

// Answers the complete requests at the front of c->in, in order, while no paced stream is in
// flight (a pipelined request waits for the stream before it).
static void serveRequests(Connection* c) {
  while (c->nextEvent < 0 && !c->closeWhenFlushed && bufferSize(&c->out) < kOutputHighWater) {
    const char* request = c->in.data + c->in.begin;
    size_t available = bufferSize(&c->in);
    const char* headEnd = available ? findBytes(request, available, "\r\n\r\n") : NULL;
    if (headEnd == NULL) {
      if (available > kMaxHeaderBytes) {
        sendBuffer(c, &responses.badRequest);
        c->closeWhenFlushed = 1;
      }
      return;
    }
    size_t headSize = (size_t)(headEnd - request) + 4;
    const char* methodEnd = memchr(request, ' ', headSize);
    const char* targetEnd = methodEnd ? memchr(methodEnd + 1, ' ', headSize - (size_t)(methodEnd + 1 - request)) : NULL;
    const char* lineEnd = findBytes(request, headSize, "\r\n");
    if (targetEnd == NULL || targetEnd > lineEnd) {
      sendBuffer(c, &responses.badRequest);
      c->closeWhenFlushed = 1;
      return;
    }
    const char* target = methodEnd + 1;
    size_t targetSize = (size_t)(targetEnd - target);
    const char* query = memchr(target, '?', targetSize);
    size_t pathSize = query ? (size_t)(query - target) : targetSize;
    int keepAlive = (size_t)(lineEnd - targetEnd) > 8 && memcmp(targetEnd + 1, "HTTP/1.1", 8) == 0;
    unsigned long contentLength = 0;
    int chunked = 0;
    int expectContinue = 0;
    for (const char* line = lineEnd + 2; line < headEnd;) {
      const char* end = findBytes(line, (size_t)(headEnd + 2 - line), "\r\n");
      size_t size = (size_t)(end - line);
      const char* colon = memchr(line, ':', size);
      if (colon != NULL) {
        size_t nameSize = (size_t)(colon - line);
        const char* value = colon + 1;
        size_t valueSize = (size_t)(end - value);
        if (nameSize == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
          char* digitsEnd;
          contentLength = strtoul(value, &digitsEnd, 10);
          if (digitsEnd == value || contentLength > kMaxBodyBytes) {
            sendBuffer(c, &responses.badRequest);
            c->closeWhenFlushed = 1;
            return;
          }
        } else if (nameSize == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
          chunked = hasTokenIgnoringCase(value, valueSize, "chunked");
        } else if (nameSize == 10 && strncasecmp(line, "Connection", 10) == 0) {
          if (hasTokenIgnoringCase(value, valueSize, "close")) {
            keepAlive = 0;
          } else if (hasTokenIgnoringCase(value, valueSize, "keep-alive")) {
            keepAlive = 1;
          }
        } else if (nameSize == 6 && strncasecmp(line, "Expect", 6) == 0) {
          expectContinue = hasTokenIgnoringCase(value, valueSize, "100-continue");
        }
      }
      line = end + 2;
    }

    const char* body = request + headSize;
    size_t bodySize = contentLength;
    size_t requestSize = headSize + contentLength;
    if (chunked) {
      long spanned = decodeChunked(body, available - headSize);
      if (spanned < 0) {
        sendBuffer(c, &responses.badRequest);
        c->closeWhenFlushed = 1;
        return;
      }
      if (spanned > 0) {
        body = chunkedBody.data;
        bodySize = bufferSize(&chunkedBody);
        requestSize = headSize + (size_t)spanned;
      }
    }
    int complete = chunked ? requestSize > headSize : available >= requestSize;
    if (!complete) {
      if (expectContinue && !c->continueSent) {
        sendBuffer(c, &responses.continue100);
        c->continueSent = 1;
      }
      return;
    }

    size_t methodSize = (size_t)(methodEnd - request);
    if (methodSize == 4 && memcmp(request, "POST", 4) == 0 && pathSize == 20 &&
        memcmp(target, "/v1/chat/completions", 20) == 0) {
      if (jsonKeyIsTrue(body, bodySize, "\"stream\"")) {
        startStream(c, jsonKeyIsTrue(body, bodySize, "\"include_usage\"") ? &responses.chat : &responses.chatNoUsage);
      } else {
        sendBuffer(c, &responses.completion);
      }
    } else if (methodSize == 4 && memcmp(request, "POST", 4) == 0 && pathSize == 12 &&
               memcmp(target, "/v1/messages", 12) == 0) {
      if (jsonKeyIsTrue(body, bodySize, "\"stream\"")) {
        startStream(c, &responses.messages);
      } else {
        sendBuffer(c, &responses.message);
      }
    } else if (methodSize == 3 && memcmp(request, "GET", 3) == 0 && pathSize == 10 &&
               memcmp(target, "/v1/models", 10) == 0) {
      sendBuffer(c, &responses.models);
    } else {
      sendBuffer(c, &responses.notFound);
    }
    bufferConsume(&c->in, requestSize);
    c->continueSent = 0;
    if (!keepAlive) {
      c->closeWhenFlushed = 1;
    }
  }
}

// Answers and writes until the socket is full, a stream is pacing, or no complete request is
// left. Returns -1 when the connection has failed.
static int pump(Connection* c) {
  for (;;) {
    size_t unread = bufferSize(&c->in);
    serveRequests(c);
    if (flush(c) < 0) {
      return -1;
    }
    if (bufferSize(&c->out) > 0 || c->nextEvent >= 0 || bufferSize(&c->in) == unread) {
      return 0;
    }
  }
}

// Nothing in flight and nothing more to answer.
static int isFinished(const Connection* c) {
  return (c->closeWhenFlushed || c->inputClosed) && c->nextEvent < 0 && bufferSize(&c->out) == 0;
}

// Sends the next event of every paced stream that is due; a finished stream lets the
// connection's pipelined requests go on.
static void advanceStreams(void) {
  uint64_t expirations;
  if (read(timerFd, &expirations, sizeof expirations) < 0 && errno != EAGAIN) {
    die("read timerfd");
  }
  timerArmedUs = -1;
  long long now = nowUs();
  while (heapSize > 0 && heap[0]->dueUs <= now) {
    Connection* c = heap[0];
    const Stream* stream = c->stream;
    sendBuffer(c, &stream->events[c->nextEvent]);
    ++c->nextEvent;
    if (c->nextEvent == stream->skipEvent) {
      ++c->nextEvent;
    }
    int failed;
    if (c->nextEvent < stream->eventCount) {
      c->dueUs += delayUs;
      heapSiftDown(0);
      failed = flush(c) < 0;
    } else {
      heapRemove(c);
      c->nextEvent = -1;
      failed = pump(c) < 0;
    }
    if (failed || isFinished(c)) {
      closeConnection(c);
    } else {
      updateInterest(c);
    }
  }
}

static void acceptConnections(int listenFd) {
  for (;;) {
    int fd = accept4(listenFd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      return; // EAGAIN, or out of descriptors: the next wake-up tries again
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Connection* c = calloc(1, sizeof *c);
    if (c == NULL) {
      die("calloc");
    }
    c->fd = fd;
    c->nextEvent = -1;
    c->interest = EPOLLIN;
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, &event) != 0) {
      close(fd);
      free(c);
    }
  }
}

// Reads what arrived. Returns -1 when the socket failed.
static int readInput(Connection* c) {
  for (;;) {
    bufferReserve(&c->in, 16 * 1024);
    ssize_t got = read(c->fd, c->in.data + c->in.end, c->in.capacity - c->in.end);
    if (got > 0) {
      c->in.end += (size_t)got;
      if (bufferSize(&c->in) >= kMaxHeaderBytes + kMaxBodyBytes) {
        break;
      }
      continue;
    }
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0 && errno == EAGAIN) {
      break;
    }
    if (got < 0) {
      return -1;
    }
    c->inputClosed = 1;
    break;
  }
  return 0;
}

static long parseFlag(const char* text, long low, long high, const char* name) {
  char* end;
  long value = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value < low || value > high) {
    fprintf(stderr, "mock_upstream: %s must be an integer in [%ld, %ld]\n", name, low, high);
    exit(2);
  }
  return value;
}

int main(int argc, char** argv) {
  long port = 0;
  int option;
  while ((option = getopt(argc, argv, "p:n:d:")) != -1) {
    switch (option) {
    case 'p':
      port = parseFlag(optarg, 0, 65535, "-p PORT");
      break;
    case 'n':
      chunkCount = (int)parseFlag(optarg, 1, kMaxChunks, "-n CHUNKS");
      break;
    case 'd':
      delayUs = parseFlag(optarg, 0, kMaxDelayUs, "-d DELAY_US");
      break;
    default:
      fprintf(stderr, "usage: %s [-p PORT] [-n CHUNKS] [-d DELAY_US]\n", argv[0]);
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN); // a client gone mid-stream is an EPIPE to handle, not a death
  // Thousands of open streams need as many descriptors as the hard limit allows.
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  buildResponses();

  int listenFd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(listenFd, (struct sockaddr*)&address, sizeof address) != 0 || listen(listenFd, 4096) != 0) {
    die("bind/listen");
  }
  socklen_t addressSize = sizeof address;
  getsockname(listenFd, (struct sockaddr*)&address, &addressSize);

  epollFd = epoll_create1(EPOLL_CLOEXEC);
  timerFd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epollFd < 0 || timerFd < 0) {
    die("epoll/timerfd");
  }
  // The listener and the timer are told apart from connections by these two addresses.
  static char listenerTag;
  static char timerTag;
  struct epoll_event listenEvent = {.events = EPOLLIN, .data.ptr = &listenerTag};
  struct epoll_event timerEvent = {.events = EPOLLIN, .data.ptr = &timerTag};
  epoll_ctl(epollFd, EPOLL_CTL_ADD, listenFd, &listenEvent);
  epoll_ctl(epollFd, EPOLL_CTL_ADD, timerFd, &timerEvent);
  printf("listening 127.0.0.1:%d\n", ntohs(address.sin_port));
  fflush(stdout);

  struct epoll_event events[256];
  for (;;) {
    armTimer();
    int ready = epoll_wait(epollFd, events, 256, -1);
    if (ready < 0 && errno != EINTR) {
      die("epoll_wait");
    }
    int timerFired = 0;
    for (int i = 0; i < ready; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &listenerTag) {
        acceptConnections(listenFd);
        continue;
      }
      if (tag == &timerTag) {
        timerFired = 1; // after the batch: it may close connections that have events in it
        continue;
      }
      Connection* c = tag;
      int failed = (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && readInput(c) < 0;
      if (!failed) {
        failed = pump(c) < 0;
      }
      if (failed || isFinished(c)) {
        closeConnection(c);
      } else {
        updateInterest(c);
      }
    }
    if (timerFired) {
      advanceStreams();
    }
  }
}
