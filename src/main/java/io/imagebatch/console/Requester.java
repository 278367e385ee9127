package io.imagebatch.console;

import io.imagebatch.security.ConsoleRole;
import java.util.Set;

/**
 * The signed-in user on whose behalf the console acts: what they may see and do (docs/console.md, "Who may do
 * what").
 *
 * @param name  the user's name, as they signed in
 * @param team  the user's team; null for a user of no team (sees only batches that belong to everyone)
 * @param roles the user's roles; a higher role includes the lower ones
 */
public record Requester(String name, String team, Set<ConsoleRole> roles) {

    /** @return true for an ADMIN, who sees every team's batches */
    public boolean admin() {
        return roles.contains(ConsoleRole.ADMIN);
    }

    /** @return true for a SUBMITTER or ADMIN, who may upload, start, stop, resume, retry, approve and redo */
    public boolean maySubmit() {
        return admin() || roles.contains(ConsoleRole.SUBMITTER);
    }

    /**
     * @param batchTeam the team a batch belongs to; null for a batch that belongs to everyone
     * @return true when this user may see the batch: an ADMIN always, anyone for a batch of everyone, else a
     *         member of its team
     */
    public boolean maySee(String batchTeam) {
        return admin() || batchTeam == null || batchTeam.equals(team);
    }
}
