/* main.c — rayc-worker: parses Ray's `ray start --address=…` flags, detaches
 * unless --block, and runs the node agent. `rayc start --address=…` execs this
 * program.
 *
 * Detaching reports readiness through a pipe (shared/core/daemon.h): the parent
 * waits until the agent has registered with the head, then prints Ray's
 * "Ray runtime started." with this node's id and group, or the reason the
 * registration failed (exit 1). Bad flags exit 2 before anything starts. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "agent.h"
#include "alloc.h"
#include "config.h"
#include "daemon.h"
#include "json.h"
#include "log.h"

typedef struct {
    rc_daemon_t daemon;
    const rc_agent_config_t *cfg;
    rc_agent_t *agent;
    char logpath[4200], pidpath[4200];
    int started;
} ctx_t;

static void started_text(const ctx_t *c, rc_buf_t *out)
{
    const rc_agent_config_t *cfg = c->cfg;
    char id[RC_ID_HEX_LEN + 1];
    rc_id_t nid = rc_agent_node_id(c->agent);
    rc_id_to_hex(&nid, id);
    rc_buf_printf(out,
                  "Local node IP: %s\n\n"
                  "--------------------\n"
                  "Ray runtime started.\n"
                  "--------------------\n\n"
                  "This node is registered with the head at %s as node %s in group %s.\n"
                  "  resources: ",
                  cfg->node_ip, cfg->head_text, id, cfg->group);
    rc_res_format(&cfg->total, out);
    if (cfg->nlabels) {
        rc_jw_t w;
        rc_buf_append_str(out, "\n  labels:    ");
        rc_jw_init(&w, out);
        rc_jw_obj_begin(&w);
        for (size_t i = 0; i < cfg->nlabels; i++) {
            rc_jw_key(&w, cfg->labels[i].key);
            rc_jw_str(&w, cfg->labels[i].value);
        }
        rc_jw_obj_end(&w);
    }
    int custom_tmp = strcmp(cfg->temp_dir, "/tmp/ray") != 0;
    rc_buf_printf(out,
                  "\n  log:       %s\n\n"
                  "To terminate the Ray runtime, run\n"
                  "  rayc stop%s%s\n",
                  c->logpath, custom_tmp ? " --temp-dir=" : "", custom_tmp ? cfg->temp_dir : "");
}

static void on_started(void *arg, rc_err_t rc, const char *msg)
{
    ctx_t *c = arg;
    if (rc != RC_OK) {
        rc_buf_t text = RC_BUF_INIT;
        rc_buf_printf(&text, "%s\n  log: %s", msg, c->logpath);
        if (c->daemon.fd >= 0)
            rc_daemon_failed(&c->daemon, text.data);
        else
            fprintf(stderr, "rayc start: %s\n", text.data);
        rc_buf_free(&text);
        return;
    }
    c->started = 1;
    if (rc_pidfile_write(c->cfg->temp_dir, "rayc-worker", c->pidpath, sizeof(c->pidpath)) != 0) {
        rc_log_warn("worker",
                    "cannot write the pid file under %s/pids: rayc stop will not find "
                    "this worker",
                    c->cfg->temp_dir);
        c->pidpath[0] = '\0';
    }
    rc_buf_t text = RC_BUF_INIT;
    started_text(c, &text);
    if (c->daemon.fd >= 0) {
        rc_daemon_ready(&c->daemon, text.data);
    } else {
        fputs(text.data, stdout);
        fflush(stdout);
    }
    rc_buf_free(&text);
}

int main(int argc, char **argv)
{
    rc_agent_host_t host;
    rc_agent_config_t cfg;
    char err[1024], logdir[4096];
    int help = 0;

    rc_log_init();
    rc_agent_host_probe(&host);
    if (rc_agent_config_from_flags(argc - 1, argv + 1, &host, &cfg, &help, err, sizeof(err)) !=
        RC_OK) {
        fprintf(stderr, "rayc start: %s\n", err);
        return 2;
    }
    if (help) {
        rc_buf_t b = RC_BUF_INIT;
        rc_agent_config_help(&b);
        printf("usage: rayc start --address=HOST:PORT [flags]\n\nStarts a worker node: it "
               "registers with the head at --address (its GCS port, 6379 by default) and offers "
               "its resources to the cluster.\n\nflags:\n%s",
               b.data ? b.data : "");
        rc_buf_free(&b);
        rc_agent_config_free(&cfg);
        return 0;
    }
    snprintf(logdir, sizeof(logdir), "%s/logs", cfg.temp_dir);
    if (rc_mkdirs(logdir) != 0) {
        fprintf(stderr, "rayc start: cannot create %s: %s (choose another --temp-dir)\n", logdir,
                strerror(errno));
        rc_agent_config_free(&cfg);
        return 1;
    }

    ctx_t c;
    memset(&c, 0, sizeof(c));
    c.daemon.fd = -1;
    c.cfg = &cfg;
    if (!cfg.block) {
        char msg[8192];
        int r = rc_daemon_fork(&c.daemon, msg, sizeof(msg));
        if (r != 2) {
            /* The parent: report the child's verdict and leave. */
            if (r < 0)
                perror("rayc start: fork");
            else if (r == 1)
                fputs(msg, stdout);
            else
                fprintf(stderr, "rayc start: %s\n", msg);
            rc_agent_config_free(&cfg);
            return r == 1 ? 0 : 1;
        }
    }

    /* The child's pid names the log, so several workers can share a temp dir. */
    snprintf(c.logpath, sizeof(c.logpath), "%s/rayc-worker-%d.log", logdir, (int)getpid());
    if (rc_log_open_file(c.logpath) != RC_OK)
        rc_log_warn("worker", "cannot open the log file %s: %s", c.logpath, strerror(errno));
    signal(SIGPIPE, SIG_IGN);

    uv_loop_t *loop = uv_default_loop();
    c.agent = rc_agent_new(loop, &cfg, 1);
    rc_agent_on_started(c.agent, on_started, &c);
    rc_log_info("worker", "started pid=%d version=%s log=%s", (int)getpid(), RC_VERSION, c.logpath);
    rc_agent_start(c.agent);
    uv_run(loop, UV_RUN_DEFAULT);

    int code = rc_agent_exit_code(c.agent);
    /* After a successful start the user's terminal is gone when detached (stderr
     * is /dev/null then); with --block this is where they read why it ended. */
    if (c.started && code != 0) fprintf(stderr, "rayc-worker: %s\n", rc_agent_exit_reason(c.agent));
    if (c.pidpath[0]) unlink(c.pidpath);
    rc_agent_free(c.agent);
    uv_loop_close(loop);
    rc_log_info("worker", "stopped exit_code=%d", code);
    rc_log_close();
    rc_agent_config_free(&cfg);
    return code;
}
