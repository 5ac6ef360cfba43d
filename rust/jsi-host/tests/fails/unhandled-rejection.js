// Expected to fail: a rejection nobody handles makes the host exit non-zero.
Promise.reject(new Error('nobody handles this'));
