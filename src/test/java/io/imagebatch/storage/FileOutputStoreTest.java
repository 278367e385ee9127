package io.imagebatch.storage;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileOutputStoreTest {

    @TempDir
    Path dir;

    private OutputStore store;

    @BeforeEach
    void open() {
        store = OutputStores.open(OutputLocation.parse("file:" + dir.resolve("out")), StorageProperties.defaults());
        assertThat(store).isInstanceOf(FileOutputStore.class);
    }

    @Test
    void storesKnownLength() throws IOException {
        byte[] data = TestStreams.randomBytes(300_000, 1);
        URI uri = store.put("b1/row-1.png", new ByteArrayInputStream(data), data.length, "image/png");

        Path expected = dir.resolve("out/b1/row-1.png");
        assertThat(uri).isEqualTo(URI.create("file:" + expected));
        assertThat(uri.toString()).startsWith("file:/").doesNotStartWith("file://");
        assertThat(Files.readAllBytes(expected)).isEqualTo(data);
        assertThat(store.size("b1/row-1.png")).contains(300_000L);
        assertThat(store.uriOf("b1/row-1.png")).isEqualTo(uri);
        assertNoTempFiles();
    }

    @Test
    void storesUnknownLength() throws IOException {
        byte[] data = TestStreams.randomBytes(1_000_003, 2);
        store.put("row-2.jpg", TestStreams.trickling(data), -1, "image/jpeg");
        assertThat(Files.readAllBytes(dir.resolve("out/row-2.jpg"))).isEqualTo(data);
        assertThat(store.size("row-2.jpg")).contains(1_000_003L);
    }

    @Test
    void aSpooledFileIsStoredWholeFromItsFileAndLeftInPlace() throws IOException {
        byte[] data = TestStreams.randomBytes(700_001, 3);
        Path spooled = Files.write(dir.resolve("spooled.bin"), data);
        store.putBytes("b1/row-3.png", "older".getBytes(StandardCharsets.UTF_8), "image/png");

        URI uri = store.putFile("b1/row-3.png", spooled, "image/png");

        assertThat(Files.readAllBytes(Path.of(uri))).isEqualTo(data);
        assertThat(store.size("b1/row-3.png")).contains(700_001L);
        assertThat(Files.readAllBytes(spooled)).as("the file is neither changed nor deleted").isEqualTo(data);
        assertNoTempFiles();
    }

    @Test
    void aMissingFileFailsNamingItAndStoresNothing() {
        Path missing = dir.resolve("no-such.spool");
        assertThatThrownBy(() -> store.putFile("b1/row-4.png", missing, "image/png"))
                .isInstanceOf(OutputStoreException.class)
                .hasMessageContaining("could not read " + missing);
        assertThat(store.size("b1/row-4.png")).isEmpty();
        assertNoTempFiles();
    }

    @Test
    void replacesExistingObject() throws IOException {
        store.putBytes("report.csv", "old,longer content".getBytes(StandardCharsets.UTF_8), "text/csv");
        URI uri = store.putBytes("report.csv", "new".getBytes(StandardCharsets.UTF_8), "text/csv");
        assertThat(Files.readString(Path.of(uri))).isEqualTo("new");
        assertThat(store.size("report.csv")).contains(3L);
    }

    @Test
    void failingStreamLeavesNothing() {
        byte[] data = TestStreams.randomBytes(500_000, 3);
        assertThatThrownBy(() -> store.put("b1/row-3.png", TestStreams.failingAfter(data, 200_000), -1, "image/png"))
                .isInstanceOf(OutputStoreException.class)
                .hasMessageContaining("file:" + dir.resolve("out/b1/row-3.png"))
                .hasMessageContaining("connection reset (simulated)");
        assertThat(store.size("b1/row-3.png")).isEmpty();
        assertNoTempFiles();
    }

    @Test
    void failingStreamKeepsThePreviousObject() throws IOException {
        store.putBytes("row-4.png", "previous".getBytes(StandardCharsets.UTF_8), "image/png");
        byte[] data = TestStreams.randomBytes(100_000, 4);
        assertThatThrownBy(() -> store.put("row-4.png", TestStreams.failingAfter(data, 50_000), data.length,
                "image/png")).isInstanceOf(OutputStoreException.class);
        assertThat(Files.readString(dir.resolve("out/row-4.png"))).isEqualTo("previous");
        assertNoTempFiles();
    }

    @Test
    void shortBodyForDeclaredLengthLeavesNothing() {
        byte[] data = TestStreams.randomBytes(1000, 5);
        assertThatThrownBy(() -> store.put("row-5.png", new ByteArrayInputStream(data), 1001, "image/png"))
                .isInstanceOf(OutputStoreException.class)
                .hasMessageContaining("ended after 1000 of 1001");
        assertThat(store.size("row-5.png")).isEmpty();
        assertNoTempFiles();
    }

    @Test
    void longBodyForDeclaredLengthLeavesNothing() {
        byte[] data = TestStreams.randomBytes(1000, 6);
        assertThatThrownBy(() -> store.put("row-6.png", new ByteArrayInputStream(data), 999, "image/png"))
                .isInstanceOf(OutputStoreException.class)
                .hasMessageContaining("longer than the 999 declared bytes");
        assertThat(store.size("row-6.png")).isEmpty();
        assertNoTempFiles();
    }

    @Test
    void emptyObject() {
        store.put("empty.bin", new ByteArrayInputStream(new byte[0]), 0, "application/octet-stream");
        assertThat(store.size("empty.bin")).contains(0L);
    }

    @Test
    void sizeOfAbsentOrFolderIsEmpty() {
        assertThat(store.size("nothing/here.png")).isEmpty();
        store.putBytes("folder/x.txt", new byte[] {1}, "text/plain");
        assertThat(store.size("folder")).isEmpty();
    }

    @Test
    void refusesKeysThatEscapeTheFolder() {
        assertThatThrownBy(() -> store.putBytes("../escape.txt", new byte[] {1}, "text/plain"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.uriOf("/etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThat(dir.resolve("escape.txt")).doesNotExist();
    }

    @Test
    void storeOnAFileInsteadOfAFolderFails() throws IOException {
        Files.writeString(dir.resolve("blocker"), "x");
        try (OutputStore blocked = OutputStores.open(OutputLocation.parse("file:" + dir.resolve("blocker")),
                StorageProperties.defaults())) {
            assertThatThrownBy(() -> blocked.putBytes("a.txt", new byte[] {1}, "text/plain"))
                    .isInstanceOf(OutputStoreException.class)
                    .hasMessageContaining("could not store file:" + dir.resolve("blocker/a.txt"));
        }
    }

    @Test
    void aPutInProgressIsNotTakenForAnAbandonedOneByAnotherStoreOfTheSameFolder() throws Exception {
        // the download steps of a partitioned batch each open a store of the batch's folder (README.md, "More than
        // one machine"): the first put of one must not delete the temporary file of the other's put in flight
        byte[] data = TestStreams.randomBytes(100_000, 5);
        java.util.concurrent.CountDownLatch halfWritten = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch goOn = new java.util.concurrent.CountDownLatch(1);
        java.io.InputStream slow = new java.io.InputStream() {
            private int next;

            @Override
            public int read() throws IOException {
                if (next == data.length / 2) {
                    halfWritten.countDown();
                    try {
                        goOn.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                return next < data.length ? data[next++] & 0xff : -1;
            }
        };
        java.util.concurrent.CompletableFuture<URI> first = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> store.put("b1/row-1.png", slow, data.length, "image/png"));
        halfWritten.await();
        try (OutputStore other = OutputStores.open(OutputLocation.parse("file:" + dir.resolve("out")),
                StorageProperties.defaults())) {
            other.putBytes("b1/row-2.png", new byte[] {1, 2, 3}, "image/png");
        }
        goOn.countDown();

        first.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(Files.readAllBytes(dir.resolve("out/b1/row-1.png"))).isEqualTo(data);
        assertThat(Files.readAllBytes(dir.resolve("out/b1/row-2.png"))).isEqualTo(new byte[] {1, 2, 3});
    }

    @Test
    void theFirstPutIntoAFolderDeletesTheTemporaryFilesKilledPutsLeftThereButNotAnotherProcesssPutInProgress() throws IOException {
        // what a process killed mid-put leaves: a hidden partial file next to the target
        Path folder = Files.createDirectories(dir.resolve("out/b1"));
        Path abandoned = Files.write(folder.resolve(".row-1.png.0123456789abcdef.part"), new byte[] {(byte) 0x89, 'P'});
        Path otherKeys = Files.write(folder.resolve(".row-10.png.0123456789abcdef.part"), new byte[] {1});
        Path notOurs = Files.write(folder.resolve(".row-1.png.notes.part"), new byte[] {2});
        java.nio.file.attribute.FileTime killedLongAgo = java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(FileOutputStore.ABANDONED_AFTER).minusSeconds(60));
        for (Path killed : new Path[] {abandoned, otherKeys}) {
            Files.setLastModifiedTime(killed, killedLongAgo);
        }
        // written just now: maybe a put in progress in another process sharing the folder (a worker)
        Path anotherProcesssPut = Files.write(folder.resolve(".row-11.png.fedcba9876543210.part"), new byte[] {3});

        byte[] data = TestStreams.randomBytes(1000, 3);
        store.put("b1/row-1.png", new ByteArrayInputStream(data), data.length, "image/png");

        assertThat(Files.readAllBytes(folder.resolve("row-1.png"))).isEqualTo(data);
        assertThat(abandoned).doesNotExist();
        assertThat(otherKeys).doesNotExist(); // every abandoned put of the folder, once, before the first put
        assertThat(notOurs).exists();         // not a name this store makes
        assertThat(anotherProcesssPut).exists();
    }

    /**
     * README.md, "Performance", "Big images": a spooled image handed over to the folder store on the spool's file
     * system is linked into place, not copied a second time, and still stored all-or-nothing (through a
     * temporary name and a rename), with the permissions of any other stored file, not the spool's private ones;
     * the caller deleting its spool afterwards leaves the stored object whole.
     */
    @Test
    void aHandedOverSpoolFileIsLinkedIntoPlaceWithTheStoresPermissionsNotCopied() throws IOException {
        byte[] data = TestStreams.randomBytes(700_001, 5);
        Path spool = Files.createTempFile(dir, "imagebatch-", ".spool"); // private to its owner, as spools are
        Files.write(spool, data);
        URI other = store.putBytes("b1/other.png", new byte[] {1}, "image/png");
        store.putBytes("b1/row-7.png", "older".getBytes(StandardCharsets.UTF_8), "image/png");

        URI uri = store.putSpooled("b1/row-7.png", spool, "image/png");

        Path stored = Path.of(uri);
        assertThat(Files.isSameFile(stored, spool)).as("linked, not copied").isTrue();
        assertThat(Files.getPosixFilePermissions(stored)).isEqualTo(Files.getPosixFilePermissions(Path.of(other)));
        Files.delete(spool);
        assertThat(Files.readAllBytes(stored)).isEqualTo(data);
        assertThat(store.size("b1/row-7.png")).contains(700_001L);
        assertNoTempFiles();
    }

    private void assertNoTempFiles() {
        Path out = dir.resolve("out");
        if (!Files.exists(out)) {
            return;
        }
        try (Stream<Path> files = Files.walk(out)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".part"))).isEmpty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPutInFlightWhenTheProcessStopsLeavesNoPartFile() throws Exception {
        java.io.PipedOutputStream writer = new java.io.PipedOutputStream();
        java.io.PipedInputStream content = new java.io.PipedInputStream(writer, 1024);
        writer.write(new byte[100]);
        java.util.concurrent.CompletableFuture<java.net.URI> put = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> store.put("b1/stopping.png", content, 10_000, "image/png"));
        Path folder = dir.resolve("out/b1");
        await("the put writes its temporary file").atMost(java.time.Duration.ofSeconds(60))
                .pollInterval(java.time.Duration.ofMillis(20)).until(() -> !partFiles(folder).isEmpty());

        assertThat(Transfers.abortAll()).as("what the shutdown hook does on SIGTERM").isPositive();
        assertThat(partFiles(folder)).isEmpty();
        writer.write(new byte[100]);
        writer.close(); // the stream ends short of its declared length: the put fails

        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                () -> put.get(60, java.util.concurrent.TimeUnit.SECONDS))).hasCauseInstanceOf(OutputStoreException.class);
        assertThat(partFiles(folder)).isEmpty();
        assertThat(store.size("b1/stopping.png")).isEmpty();
    }

    private static java.util.List<Path> partFiles(Path folder) throws java.io.IOException {
        if (!Files.isDirectory(folder)) {
            return java.util.List.of();
        }
        try (java.util.stream.Stream<Path> all = Files.list(folder)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }
}
