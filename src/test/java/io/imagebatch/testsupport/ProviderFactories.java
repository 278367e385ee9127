package io.imagebatch.testsupport;

import io.imagebatch.provider.ProviderAdapterFactory;
import io.imagebatch.provider.crun.CrunAdapterFactory;
import io.imagebatch.provider.hiapi.HiApiAdapterFactory;
import io.imagebatch.provider.liangxin.LiangXinAdapterFactory;
import io.imagebatch.provider.mingyan.MingyanAdapterFactory;
import java.util.List;

/** The provider adapter factories Spring gives the registry, for tests that build a registry without Spring. */
public final class ProviderFactories {

    private ProviderFactories() {
    }

    /** @return every provider's factory, in the registry's order (liangxin, mingyan, hiapi, crun) */
    public static List<ProviderAdapterFactory> all() {
        return List.of(new LiangXinAdapterFactory(), new MingyanAdapterFactory(), new HiApiAdapterFactory(),
                new CrunAdapterFactory());
    }
}
