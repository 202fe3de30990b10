// SPDX-License-Identifier: GPL-2.0
/*
 * The journal of attach and detach (hotplug.h): before each step of a device
 * (access, node, event) the command records which step it begins and what
 * undoing it needs, and once the state file says the outcome the journal
 * goes. A command killed part way leaves it behind; the next attach, detach
 * or `devices list` reads it under the same lock and:
 * - rolls an attach back from the step it had begun (an add that may have
 *   gone out is followed by a remove), unless the state file has the device
 *   (the command was killed after saving);
 * - completes a detach from the step it had begun, and drops the device from
 *   the state.
 * Undoing is idempotent (devices.deny of an exception that is not there, a
 * node that is not there), so a recovery killed in turn is run again whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "attach.h"
#include "common.h"
#include "fault.h"
#include "hotplug.h"

static ssize_t find_intent(const struct att_session *s, const struct hotplug_entry *e)
{
	size_t i;

	for (i = 0; i < s->nj; i++)
		if (!strcmp(s->j[i].e.cgroup, e->cgroup) && s->j[i].e.type == e->type &&
		    s->j[i].e.major == e->major && s->j[i].e.minor == e->minor)
			return i;
	return -1;
}

int att_journal_step(struct att_session *s, const char *op, const char *step,
		     const struct hotplug_entry *e, char *err, size_t errlen)
{
	ssize_t i = find_intent(s, e);
	char fp[32];
	int rc;

	if (i < 0) {
		struct hotplug_intent *nj = realloc(s->j, (s->nj + 1) * sizeof(*nj));

		if (!nj) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		s->j = nj;
		i = s->nj++;
	}
	snprintf(s->j[i].op, sizeof(s->j[i].op), "%s", op);
	snprintf(s->j[i].step, sizeof(s->j[i].step), "%s", step);
	s->j[i].e = *e;
	rc = hotplug_journal_write(s->j, s->nj);
	if (rc) {
		snprintf(err, errlen, "cannot write %s: %s", HOTPLUG_JOURNAL, strerror(-rc));
		return rc;
	}
	if (!strcmp(step, "done"))
		return 0;
	snprintf(fp, sizeof(fp), "%s-%s", op, step);
	if (fault_point(fp)) {
		snprintf(err, errlen, "fault point %s failed as UEVSCOPE_FAULT asks", fp);
		return -EIO;
	}
	return 0;
}

void att_journal_forget(struct att_session *s, const struct hotplug_entry *e)
{
	ssize_t i = find_intent(s, e);

	if (i < 0)
		return;
	memmove(&s->j[i], &s->j[i + 1], (s->nj - i - 1) * sizeof(s->j[0]));
	s->nj--;
	if (hotplug_journal_write(s->j, s->nj))
		uev_dbg("attach: cannot rewrite %s", HOTPLUG_JOURNAL);
}

int att_journal_commit(struct att_session *s, const char *op, char *err, size_t errlen)
{
	char fp[32];
	int rc;

	snprintf(fp, sizeof(fp), "%s-save", op);
	if (fault_point(fp)) {
		snprintf(err, errlen, "fault point %s failed as UEVSCOPE_FAULT asks", fp);
		return -EIO;
	}
	rc = hotplug_write(s->e, s->n);
	if (rc) {
		snprintf(err, errlen, "cannot write %s: %s", HOTPLUG_FILE, strerror(-rc));
		return rc;
	}
	/* The state says it all now; a journal left here is harmless (done intents). */
	free(s->j);
	s->j = NULL;
	s->nj = 0;
	rc = hotplug_journal_write(NULL, 0);
	if (rc)
		snprintf(err, errlen, "cannot remove %s: %s", HOTPLUG_JOURNAL, strerror(-rc));
	return rc;
}

static int step_no(const char *step)
{
	static const char *const steps[] = {"access", "node", "event", "done"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++)
		if (!strcmp(step, steps[i]))
			return i;
	return 0;
}

bool att_ctr_reopen(const struct hotplug_entry *e, struct att_ctr *c)
{
	char pid[16], err[256];

	snprintf(pid, sizeof(pid), "%u", e->pid);
	if (att_ctr_open(pid, c, err, sizeof(err)))
		return false;
	if (c->netns == e->netns && !strcmp(c->cgroup, e->cgroup))
		return true;
	att_ctr_close(c);
	return false;
}

void att_drop(struct att_session *s, size_t at)
{
	struct hotplug_entry e;
	size_t k;

	e = s->e[at];
	memmove(&s->e[at], &s->e[at + 1], (s->n - at - 1) * sizeof(s->e[0]));
	s->n--;
	for (k = 0; e.orig_prog && k < s->n; k++)
		if (!strcmp(s->e[k].cgroup, e.cgroup) && !strcmp(s->e[k].access, "v2")) {
			s->e[k].orig_prog = e.orig_prog;
			break;
		}
}

static void resolve(struct att_session *s, const struct hotplug_intent *in, const char *cmd)
{
	const struct hotplug_entry *e = &in->e;
	ssize_t at = att_find(s->e, s->n, e);
	bool attach = !strcmp(in->op, "attach");
	int k = step_no(in->step);
	const char *what;
	struct att_ctr c;
	struct att_dev d;
	char err[512] = "";
	bool last;

	if (attach && at >= 0) {
		what = "complete (killed after saving): kept";
		goto say;
	}
	att_dev_of(e, &d);
	last = att_last_v2(s->e, s->n, e);
	if (!att_ctr_reopen(e, &c)) {
		/* Its cgroup and nodes went with it: only our rules for it stay. */
		if (!strcmp(e->access, "v2") && last &&
		    att_access_forget(e->cgroup, err, sizeof(err)))
			uev_err("%s: %s", cmd, err);
		if (at >= 0)
			att_drop(s, at);
		what = "of a container that is gone: forgotten";
		goto say;
	}
	if (attach) {
		/* An add that may have gone out is taken back. */
		if (k >= 2 && att_event(&c, &d, "remove", err, sizeof(err)))
			uev_dbg("%s: %s", cmd, err);
		if (k >= 1 && att_node_remove(&c, &d, e->how, err, sizeof(err)))
			uev_err("%s: %s", cmd, err);
		if (att_access_revoke(&c, &d, e->access, e->v1prev, att_access_pinned(c.cgroup_id),
				      last, err, sizeof(err)))
			uev_err("%s: %s", cmd, err);
		what = "rolled back";
	} else {
		if (k <= 0 &&
		    att_access_revoke(&c, &d, e->access, e->v1prev, att_access_pinned(c.cgroup_id),
				      last, err, sizeof(err)))
			uev_err("%s: %s", cmd, err);
		if (k <= 1 && att_node_remove(&c, &d, e->how, err, sizeof(err)))
			uev_err("%s: %s", cmd, err);
		if (k <= 2 && att_event(&c, &d, "remove", err, sizeof(err)))
			uev_dbg("%s: %s", cmd, err);
		if (at >= 0)
			att_drop(s, at);
		what = "completed";
	}
	att_ctr_close(&c);
say:
	fprintf(stderr,
		"uevscope: %s: an interrupted %s of %c %u:%u %s to %s (pid %u, at its %s step) was "
		"found: %s\n",
		cmd, in->op, e->type, e->major, e->minor, e->node, e->cgroup, e->pid, in->step,
		what);
}

int att_recover(struct att_session *s, const char *cmd)
{
	struct hotplug_intent *v;
	size_t n, i;
	int rc = hotplug_journal_read(&v, &n);

	if (rc || !n) {
		free(v);
		return rc;
	}
	for (i = 0; i < n; i++)
		resolve(s, &v[i], cmd);
	free(v);
	rc = hotplug_write(s->e, s->n);
	return rc ?: hotplug_journal_write(NULL, 0);
}

int att_recover_locked(const char *cmd)
{
	struct att_session s = {.ctr = {.netns_fd = -1, .mnt_fd = -1, .root_fd = -1, .pidfd = -1}};
	int rc;

	if (access(HOTPLUG_JOURNAL, F_OK) && access(HOTPLUG_FILE, F_OK))
		return 0;
	s.lock = hotplug_lock();
	if (s.lock < 0)
		return s.lock;
	rc = hotplug_read(&s.e, &s.n);
	rc = rc ?: att_recover(&s, cmd);
	rc = rc ?: att_sweep_gone(&s, cmd);
	free(s.e);
	free(s.j);
	free(s.gone);
	hotplug_unlock(s.lock);
	return rc;
}
