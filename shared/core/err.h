/* err.h — the one error enum of rayc.
 *
 * Every fallible function returns rc_err_t; 0 (RC_OK) is success. The list macro
 * below is the single place an error is declared: it yields both the enum and the
 * text that rc_strerror returns. Texts are short and lower-case; the caller adds
 * what was wrong and what to do when the message reaches a user. */
#ifndef RC_ERR_H
#define RC_ERR_H

#define RC_ERR_MAP(X)                                                                              \
    X(OK, "success")                                                                               \
    X(NOMEM, "out of memory")                                                                      \
    X(INVAL, "invalid argument")                                                                   \
    X(AGAIN, "incomplete input, more bytes needed")                                                \
    X(PROTO, "protocol error")                                                                     \
    X(TOOBIG, "value exceeds its size limit")                                                      \
    X(RANGE, "number out of range")                                                                \
    X(SYNTAX, "syntax error")                                                                      \
    X(NOTFOUND, "not found")                                                                       \
    X(EXISTS, "already exists")                                                                    \
    X(IO, "input/output error")                                                                    \
    X(CONN, "connection failed")                                                                   \
    X(CLOSED, "connection closed")                                                                 \
    X(TIMEOUT, "timed out")                                                                        \
    X(AUTH, "authentication failed")                                                               \
    X(BUSY, "resource busy")                                                                       \
    X(STATE, "operation not valid in the current state")                                           \
    X(VERSION, "incompatible protocol version")                                                    \
    X(INTERNAL, "internal error")

typedef enum {
#define RC_ERR_ENUM(name, text) RC_E##name,
    RC_ERR_MAP(RC_ERR_ENUM)
#undef RC_ERR_ENUM
        RC_ERR_COUNT
} rc_err_t;

#define RC_OK RC_EOK

/* Returns a static string for err; unknown values give "unknown error". */
const char *rc_strerror(rc_err_t err);
/* Returns the symbolic name ("RC_ENOMEM"); for logs and tests. */
const char *rc_errname(rc_err_t err);

/* RC_ASSERT: always on. Only for invariants whose breach would corrupt state —
 * never for input from the network, a file or a user (return an error instead). */
#define RC_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) rc_assert_fail(#cond, __FILE__, __LINE__);                                    \
    } while (0)
_Noreturn void rc_assert_fail(const char *expr, const char *file, int line);

#endif
