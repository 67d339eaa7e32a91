/* cmd_status.c — `rayc status`: asks the head for CLUSTER.STATUS and prints it
 * the way `ray status` does (rendering in status_view.c). Exit 0 when the
 * status was printed, 1 when the head cannot be reached or refuses, 2 for bad
 * usage. */
#include <stdio.h>

#include "alloc.h"
#include "cli.h"
#include "clock.h"
#include "flags.h"
#include "fmt.h"
#include "gcs_client.h"
#include "status_view.h"

int rc_cli_status(int argc, char **argv)
{
    const char *address = NULL, *password = NULL;
    const rc_flag_t flags[] = {
        {"address", RC_FLAG_STRING, &address,
         "the head's GCS address (default: $RAY_ADDRESS, else 127.0.0.1:6379)", "HOST:PORT", 0, 0,
         NULL},
        {"redis-password", RC_FLAG_STRING, &password, "password given to rayc start --head", "PW",
         0, 0, NULL},
    };
    const size_t nflags = sizeof(flags) / sizeof(flags[0]);
    int code = rc_flags_main(flags, nflags, argc, argv, "rayc status",
                             "Shows the cluster's nodes per worker group, its resource usage and "
                             "the pending demand.");
    if (code >= 0) return code;

    char err[1024], when[32];
    rc_gcs_client_t *c = NULL;
    char *json = NULL;
    size_t len = 0;
    rc_buf_t out = RC_BUF_INIT;
    int rc = 1;
    if (rc_gcs_client_connect(address, password, 0, &c, err, sizeof(err)) != RC_OK) goto fail;
    const char *cmd[] = {"CLUSTER.STATUS"};
    if (rc_gcs_client_string(c, 1, cmd, &json, &len, err, sizeof(err)) != RC_OK) goto fail;
    rc_fmt_time(rc_clock_wall_ms(), when, sizeof(when));
    if (rc_status_view_render(json, len, when, &out, err, sizeof(err)) != RC_OK) goto fail;
    fwrite(out.data, 1, out.len, stdout);
    rc = 0;
    goto done;
fail:
    fprintf(stderr, "rayc status: %s\n", err);
done:
    rc_buf_free(&out);
    rc_free(json);
    rc_gcs_client_free(c);
    return rc;
}
