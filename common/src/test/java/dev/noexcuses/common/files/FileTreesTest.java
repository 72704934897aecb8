package dev.noexcuses.common.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path temp;

    @Test
    void deletesATreeDeepestFirstAndLeavesWhatItsLinksPointAtAlone() throws Exception {
        Path outside = Files.writeString(temp.resolve("outside.txt"), "kept");
        Path tree = temp.resolve("tree");
        Files.createDirectories(tree.resolve("a/b/c"));
        Files.writeString(tree.resolve("a/b/c/data.bin"), "x");
        Files.writeString(tree.resolve("a/top.txt"), "y");
        Files.createSymbolicLink(tree.resolve("a/link"), outside);
        Files.createSymbolicLink(tree.resolve("dir-link"), temp);

        FileTrees.delete(tree);

        assertThat(tree).doesNotExist();
        assertThat(outside).hasContent("kept");
    }

    @Test
    void aMissingTreeIsNothingToDo() throws Exception {
        FileTrees.delete(temp.resolve("never-created"));
        assertThat(temp.resolve("never-created")).doesNotExist();
    }
}
