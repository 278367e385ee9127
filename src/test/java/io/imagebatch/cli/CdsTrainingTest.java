package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The build's class-data sharing training run ({@link CdsTraining}) runs each command it is given, in order. */
class CdsTrainingTest {

    @Test
    void theTrainingRunSplitsItsArgumentsIntoCommandsAtThen() {
        assertThat(CdsTraining.commands(new String[] {"validate", "jobs/demo.yml", "--x=1", CdsTraining.THEN,
            "status", "--x=1", CdsTraining.THEN, CdsTraining.THEN}))
                .containsExactly(List.of("validate", "jobs/demo.yml", "--x=1"), List.of("status", "--x=1"));
    }
}
