package io.blockshift.cloners;

/** Hears a clone's progress. May throw to stop the clone (a cancel). */
@FunctionalInterface
public interface CloneListener {

    /**
     * Everything in the target below {@code durableOffset} is on stable storage.
     *
     * @param durableOffset a retry may resume from here
     * @param bytesDone bytes of data copied so far (holes skipped do not count)
     * @param bytesTotal bytes of data the whole clone will copy, as far as known
     */
    void durable(long durableOffset, long bytesDone, long bytesTotal);

    CloneListener IGNORE = (offset, done, total) -> { };
}
