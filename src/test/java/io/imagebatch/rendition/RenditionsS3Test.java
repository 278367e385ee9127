package io.imagebatch.rendition;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.S3OutputStore;
import io.imagebatch.storage.StoredObject;
import io.imagebatch.testsupport.S3ProxyServer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** {@link Renditions#makeMissing} against a real S3 API (S3Proxy): keys under the prefix, sizes, content types. */
class RenditionsS3Test {

    @Test
    void renditionsAreStoredInTheBucketBesideTheImageAndAResumeSkipsThoseThere() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start()) {
            s3.createBucket("images");
            try (OutputStore store = new S3OutputStore(OutputLocation.parse("s3://images/shop"), s3.client(),
                    5 * 1024 * 1024)) {
                BufferedImage image = new BufferedImage(120, 80, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = image.createGraphics();
                g.setColor(Color.ORANGE);
                g.fillRect(0, 0, 120, 80);
                g.dispose();
                ByteArrayOutputStream png = new ByteArrayOutputStream();
                ImageIO.write(image, "png", png);
                store.putBytes("b2/A1.png", png.toByteArray(), "image/png");
                List<Rendition> wanted = List.of(
                        new Rendition("square", 50, 50, Rendition.Fit.PAD, Color.WHITE, Rendition.Format.JPG, 85),
                        new Rendition("wide", 60, 20, Rendition.Fit.CROP, Color.WHITE, Rendition.Format.WEBP, 85));

                Map<String, URI> made = new Renditions().makeMissing(store, "b2/A1.png", "b2", "A1", wanted);

                assertThat(made.get("square")).hasToString("s3://images/shop/b2/square/A1.jpg");
                assertThat(made.get("wide")).hasToString("s3://images/shop/b2/wide/A1.webp");
                assertThat(made.get("wide").toString()).isEqualTo(wanted.get(1).uriBeside("s3://images/shop/b2/A1.png"));
                assertThat(s3.client().headObject(b -> b.bucket("images").key("shop/b2/wide/A1.webp"))
                        .contentType()).isEqualTo("image/webp");
                try (StoredObject square = store.open("b2/square/A1.jpg").orElseThrow();
                        InputStream in = square.content()) {
                    BufferedImage read = ImageIO.read(in);
                    assertThat(List.of(read.getWidth(), read.getHeight())).containsExactly(50, 50);
                }

                store.putBytes("b2/square/A1.jpg", "made before".getBytes(), "image/jpeg");
                new Renditions().makeMissing(store, "b2/A1.png", "b2", "A1", wanted);
                assertThat(store.size("b2/square/A1.jpg")).contains((long) "made before".length());
            }
        }
    }
}
