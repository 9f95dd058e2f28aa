package dev.gpuqueue.core.memory;

import dev.gpuqueue.core.port.UserDirectory;
import dev.gpuqueue.core.testing.UserDirectoryContract;

class InMemoryUserDirectoryTest extends UserDirectoryContract {
    @Override
    protected UserDirectory newDirectory() {
        return new InMemoryUserDirectory();
    }
}
