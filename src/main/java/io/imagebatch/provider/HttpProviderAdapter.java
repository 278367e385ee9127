package io.imagebatch.provider;

import io.imagebatch.catalogue.CatalogueRow;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * What the four HTTP provider adapters share: the provider's name, its {@link ProviderHttp} envelope, its default
 * model and model list, the input rules {@link #prepare} delegates to, the authorized request builders and the
 * once-per-word warning for a status word the provider's documentation does not list (docs/design.md, Providers).
 * Each subclass keeps what differs: the create body, the answer envelope, the status mapping and the callback
 * parsing, with the documentation each comes from under {@code docs/providers/}.
 *
 * <p>Thread-safe as long as the subclass is: the fields here are final and the set of warned words is
 * concurrent.
 */
public abstract class HttpProviderAdapter implements ProviderAdapter {

    /**
     * A provider's input rules: the static {@code prepare} of its {@code *Rules} class.
     */
    @FunctionalInterface
    public interface Rules {

        /**
         * Validates a row and maps it to a request, as {@link ProviderAdapter#prepare} says.
         *
         * @param row      the catalogue row
         * @param model    the model to use
         * @param defaults batch defaults for blank fields
         * @return the request to send
         * @throws RowRejectedException when the row breaks a documented rule; the message names row, column
         *                              and rule
         */
        ImageRequest prepare(CatalogueRow row, String model, RequestDefaults defaults) throws RowRejectedException;
    }

    /** The provider's HTTP envelope: base URL, API key, timeouts, answer size limit and secret masking. */
    protected final ProviderHttp http;

    private final String name;
    private final String defaultModel;
    private final List<String> models;
    private final Rules rules;
    private final Set<String> unknownWordsSeen = ConcurrentHashMap.newKeySet();
    private final Logger log = LoggerFactory.getLogger(getClass());

    /**
     * @param name         the provider's name in settings and catalogues, for example {@code liangxin}
     * @param settings     base URL, API key and timeouts ({@code imagebatch.providers.<name>.*})
     * @param options      the answer size limit and every configured secret to mask ({@link ProviderHttp.Options})
     * @param defaultModel the model used when neither the row nor the batch names one
     * @param models       the models whose input rules {@code rules} knows, in the provider's spelling
     * @param rules        the provider's input rules
     */
    protected HttpProviderAdapter(String name, ProviderSettings settings, ProviderHttp.Options options,
            String defaultModel, List<String> models, Rules rules) {
        this.http = new ProviderHttp(name, settings, options);
        this.name = name;
        this.defaultModel = defaultModel;
        this.models = List.copyOf(models);
        this.rules = rules;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String defaultModel() {
        return defaultModel;
    }

    @Override
    public List<String> models() {
        return models;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Rules and their sources: the provider's {@code *Rules.prepare}.
     */
    @Override
    public ImageRequest prepare(CatalogueRow row, String model, RequestDefaults defaults)
            throws RowRejectedException {
        return rules.prepare(row, model, defaults);
    }

    /**
     * Adds the provider's authentication to a request: {@code Authorization: Bearer <key>} unless the subclass
     * overrides it (crun.ai sends {@code x-api-key}).
     *
     * @param builder a request builder from {@link ProviderHttp#request}
     * @return the same builder
     */
    protected HttpRequest.Builder authorized(HttpRequest.Builder builder) {
        return builder.header("Authorization", "Bearer " + http.apiKey());
    }

    /**
     * An authorized {@code POST} of a JSON body.
     *
     * @param path the path under the base URL, with any query
     * @param body the body, serialized with {@link ProviderJson#JSON}
     * @return the request, ready for {@link ProviderHttp#send}
     */
    protected HttpRequest postJson(String path, Object body) {
        return authorized(http.request(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ProviderJson.JSON.writeValueAsString(body)))
                .build();
    }

    /**
     * An authorized {@code GET}.
     *
     * @param path the path under the base URL, with any query (already encoded)
     * @return the request, ready for {@link ProviderHttp#send}
     */
    protected HttpRequest get(String path) {
        return authorized(http.request(path)).GET().build();
    }

    /**
     * The {@code input} object that LiangXin's {@code createTask} and HiAPI's {@code POST /v1/tasks} share
     * (docs/providers/liangxin.md, docs/providers/hiapi.md), in the documented field order: {@code prompt},
     * {@code image_input} only when the request has references, {@code aspect_ratio}, {@code resolution},
     * {@code output_format} (the last three sent as the request has them, null included).
     *
     * @param request a prepared request
     * @return a new insertion-ordered map, ready to serialize
     */
    protected static Map<String, Object> imageInput(ImageRequest request) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("prompt", request.prompt());
        if (!request.referenceImages().isEmpty()) {
            input.put("image_input", request.referenceImages());
        }
        input.put("aspect_ratio", request.aspectRatio());
        input.put("resolution", request.resolution());
        input.put("output_format", request.outputFormat());
        return input;
    }

    /**
     * Sends a request whose answer comes in the {@code {"code","msg"|"message","data":{...}}} envelope that
     * LiangXin and HiAPI share (docs/providers/liangxin.md, docs/providers/hiapi.md), and unwraps {@code data}.
     * The body's numeric {@code code} wins over an HTTP 200, as some gateways wrap errors in a 200.
     *
     * @param request  the request
     * @param who      the provider as named in messages, for example {@code LiangXin}
     * @param callName the call, for messages and {@link ProviderHttp#send}
     * @param isCreate true for a create call: an unexpected answer may then have made a task
     * @param error    builds the classified error of an answer that is not a success, from the answer and its
     *                 body (an empty object when it is not JSON)
     * @return the {@code data} object of a success (HTTP 200 and a {@code code} of 200 or none)
     * @throws ProviderException what {@link ProviderHttp#send} throws; what {@code error} builds for an error
     *                           answer; BUSY ({@link ProviderAnswers#unexpectedAnswer}) when HTTP and code say 200
     *                           but {@code data} is not an object
     */
    protected final JsonNode sendForData(HttpRequest request, String who, String callName, boolean isCreate,
            BiFunction<ProviderHttp.Answer, JsonNode, ProviderException> error) {
        ProviderHttp.Answer answer = http.send(request, callName);
        JsonNode body = ProviderJson.readBody(answer.body());
        if (envelopeStatus(answer, body) != 200) {
            throw error.apply(answer, body);
        }
        if (body.path("data").isObject()) {
            return body.path("data");
        }
        throw ProviderAnswers.unexpectedAnswer(http, who, callName, null, answer.body(), isCreate);
    }

    /**
     * The status an envelope answer stands for (docs/providers/liangxin.md, docs/providers/hiapi.md).
     *
     * @param answer the HTTP answer
     * @param body   its body as JSON
     * @return the HTTP status when it is not 200, else the body's numeric {@code code}, else 200
     */
    protected static int envelopeStatus(ProviderHttp.Answer answer, JsonNode body) {
        int code = body.path("code").isNumber() ? body.path("code").asInt() : answer.status();
        return answer.status() != 200 ? answer.status() : code;
    }

    /**
     * Logs a warning the first time a status word maps to {@link TaskState#UNKNOWN}, so that an undocumented word
     * is visible once and the task stays in flight until its deadline (docs/design.md, Providers).
     *
     * @param state   the state the word was mapped to
     * @param rawWord the provider's word as it came
     * @param warning the warning, with one {@code {}} for the word
     * @return {@code state}, unchanged
     */
    protected final TaskState warnIfUnknown(TaskState state, String rawWord, String warning) {
        if (state == TaskState.UNKNOWN && unknownWordsSeen.add(rawWord)) {
            log.warn(warning, rawWord);
        }
        return state;
    }
}
